package io.cangku.ops;

import com.github.benmanes.caffeine.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import org.springframework.beans.factory.config.BeanPostProcessor;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures every Caffeine cache a Cangku bean holds in a field ({@code cache_size}, {@code cache_gets_total}
 * by hit and miss, evictions), named {@code <Class>.<field>} such as {@code BlobService.blobs}. Found by
 * looking at the beans' fields, so the services keep their caches private and carry no metrics code; each
 * cache's builder turns on {@code recordStats()} for the hit rates.
 */
final class CaffeineCacheBinder implements BeanPostProcessor, MeterBinder {

    private record NamedCache(String name, Cache<?, ?> cache) {
    }

    private final List<NamedCache> caches = new ArrayList<>();
    private final List<MeterRegistry> registries = new ArrayList<>();

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> type = bean.getClass();
        if (!type.getName().startsWith("io.cangku.")) {
            return bean;
        }
        for (Field field : type.getDeclaredFields()) {
            if (Cache.class.isAssignableFrom(field.getType()) && !Modifier.isStatic(field.getModifiers())) {
                try {
                    field.setAccessible(true);
                    if (field.get(bean) instanceof Cache<?, ?> cache) {
                        add(new NamedCache(type.getSimpleName() + "." + field.getName(), cache));
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // not readable: that cache goes unmeasured, nothing else changes
                }
            }
        }
        return bean;
    }

    private synchronized void add(NamedCache cache) {
        caches.add(cache);
        registries.forEach(registry -> CaffeineCacheMetrics.monitor(registry, cache.cache(), cache.name()));
    }

    /** Binds the caches found so far, and (through {@link #add}) those of beans created later. */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        registries.add(registry);
        caches.forEach(cache -> CaffeineCacheMetrics.monitor(registry, cache.cache(), cache.name()));
    }
}
