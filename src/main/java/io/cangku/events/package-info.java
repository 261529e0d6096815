/**
 * Event notifications (webhooks): push, pull, delete, tag and collection events, queued in storage and POSTed to
 * the endpoints of {@code registry.notifications.endpoints}, in Distribution's envelope or as CloudEvents, signed
 * with an HMAC-SHA256 of the body.
 *
 * <h2>Where events wait</h2>
 * <ol>
 *   <li><b>Inbox.</b> The request thread that pushed, tagged or deleted writes one small object
 *   {@code _events/inbox/<millis>-<instance>-<seq>} holding the event(s) and the names of the endpoints that want
 *   them, after the change itself is done and before the response. Pulls only go into a bounded list in memory;
 *   each replica writes them as one inbox object per {@code pull-flush} and at shutdown (a replica that crashes
 *   loses at most one flush interval of pull events; push, tag and delete events are in storage when the client
 *   is answered).</li>
 *   <li><b>Queues.</b> The replica holding the delivery lease ({@link io.cangku.events.DeliveryLease},
 *   {@code _events/lease}) copies each inbox object, oldest name first, into
 *   {@code _events/queue/<endpoint>/<inbox name>-<index>}, one object per event and endpoint, then deletes the
 *   inbox object.</li>
 *   <li><b>Delivery.</b> The holder drains each endpoint's queue in key order on a thread of its own: POST, and on
 *   2xx delete the queued object. On a failure the event stays at the head and the endpoint waits (exponential
 *   backoff); later events of that endpoint wait behind it, other endpoints go on.</li>
 * </ol>
 *
 * <h2>Guarantees, and the interleavings behind them</h2>
 * <ul>
 *   <li><b>At least once.</b> An event is removed only after its endpoint answered 2xx. The holder dying between
 *   the 2xx and the delete: the next holder sends it again. The holder dying between writing queue objects and
 *   deleting the inbox object: the next holder copies the inbox object again to the same keys with the same
 *   content, so the event is still queued once (sent twice at most if the first copy was already delivered).
 *   Receivers de-duplicate on the event {@code id} (also in the {@code Cangku-Event-Id} header).</li>
 *   <li><b>One deliverer in the normal case.</b> The lease is taken and extended by conditional writes, so of two
 *   replicas polling at once exactly one holds it; every send first checks that the lease is still held by our
 *   own last write and unexpired. Two replicas deliver the same event only when a holder stalls past
 *   {@code lease-ttl} (a long GC pause, a partition from storage) and resumes a send it had started: a duplicate,
 *   which at-least-once allows. A clean shutdown gives the lease up, so the next replica takes over at its next
 *   poll, not after the TTL.</li>
 *   <li><b>Order per endpoint.</b> Events reach an endpoint in the order of their inbox names: time of the
 *   request by the serving replica's clock, then replica, then that replica's sequence. From one replica, that is
 *   the order its requests finished in; a push by tag sends {@code push} then {@code tag}. Across replicas, it is
 *   as good as their clocks agree. Two interleavings bend it: an inbox write that is slower than a poll (or a
 *   replica whose clock is behind) lands after the holder already sent later events, so it is sent late, never
 *   lost; and pulls, batched, arrive up to one {@code pull-flush} after the pushes around them. Nothing is ever
 *   sent ahead of an earlier event of the same endpoint that is still being retried: the head blocks its queue.</li>
 *   <li><b>Bounded.</b> Per endpoint at most {@code max-queued} events wait (further ones are dropped at fan-out);
 *   an event larger than {@code max-event-size} is dropped when made; one still failing {@code retry-for} after
 *   it happened is dropped; pulls beyond {@code max-pending-pulls} per flush are dropped. Each drop is counted
 *   ({@code cangku_notifications_dropped_total}, and in the endpoint's status) and logged with its key.</li>
 *   <li><b>Never in the request's way.</b> Request threads do no network I/O and at most the one inbox write;
 *   a failed inbox write is logged and counted, and the request still succeeds.</li>
 * </ul>
 *
 * <p>An endpoint removed from configuration keeps its queue in storage until it is configured again (events for
 * it are no longer queued); the secret is used only to sign and is never logged or shown by the admin API.
 */
package io.cangku.events;
