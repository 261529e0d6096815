#!/usr/bin/env bash
# Builds stand-ins for the Dockerfile's two public base images from what this machine has, because no image can
# be pulled here:
#   $1  the JRE image   (eclipse-temurin:25-jre):        a jlink runtime of the installed JDK at /opt/java/openjdk
#   $2  the build image (maven:3-eclipse-temurin-25):    the installed JDK and Maven
# Both get a shell and the few coreutils the Dockerfile and Maven's launcher script use, the shared libraries all
# of that links against (found with ldd), /tmp and the environment the public images set. Each root filesystem is
# turned into an image with `docker import`. Needs JAVA_HOME (a JDK 25), `mvn` on the PATH, DOCKER_HOST set.
# Usage: stand-in-base-images.sh JRE_TAG MAVEN_TAG WORK_DIR
set -euo pipefail
jre_tag=$1 maven_tag=$2 work=$3
: "${JAVA_HOME:?JAVA_HOME must point at a JDK 25}"
maven_home=$(cd "$(dirname "$(readlink -f "$(command -v mvn)")")/.." && pwd)

tools=(sh bash ls mkdir cp mv rm cat chown chmod ln uname dirname basename expr tr sed grep readlink env id touch)

# copy_with_libraries ROOT FILE...: each file of this machine to the same path under ROOT, with its libraries.
copy_with_libraries() {
  local root=$1 file; shift
  for file in "$@"; do
    cp -L --parents "$file" "$root"
    copy_libraries "$root" "$file"
  done
}

# copy_libraries ROOT FILE: the shared libraries FILE links against, from this machine to the same paths under
# ROOT. ldd prints "name => /path (addr)" or "/path (addr)"; static files and scripts print neither. Libraries found
# inside ROOT itself (a JDK's own, through $ORIGIN) are already there.
copy_libraries() {
  local root=$1 file=$2 lib
  for lib in $(ldd "$file" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
    case $lib in "$root"/*) continue ;; esac
    [ -e "$root$lib" ] || cp -L --parents "$lib" "$root"
  done
}

new_root() {
  local root=$1
  rm -rf "$root"
  mkdir -p "$root"/{usr/bin,usr/lib,usr/lib64,etc,root,tmp,var/tmp}
  # Debian's merged /usr: /bin, /lib and /lib64 are links into /usr, as on the public images.
  ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"; ln -s usr/sbin "$root/sbin"
  mkdir -p "$root/usr/sbin"
  chmod 1777 "$root/tmp" "$root/var/tmp"
  printf 'root:x:0:0:root:/root:/bin/bash\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  local tool
  for tool in "${tools[@]}"; do copy_with_libraries "$root" "$(readlink -f "$(command -v "$tool")")"; done
  # readlink -f resolved sh to dash: name it sh again.
  ln -sf "$(basename "$(readlink -f "$(command -v sh)")")" "$root/usr/bin/sh"
  for tool in "${tools[@]}"; do
    [ -e "$root/usr/bin/$tool" ] || ln -s "$(readlink -f "$(command -v "$tool")")" "$root/usr/bin/$tool"
  done
}

libraries_of_java() {
  local root=$1 java=$2 file
  for file in $(find "$root$java" -type f \( -name '*.so' -o -path '*/bin/*' \)); do copy_libraries "$root" "$file"; done
}

import() {
  local root=$1 tag=$2; shift 2
  tar -C "$root" -cf "$root.tar" .
  docker import "$@" "$root.tar" "$tag" >/dev/null
  rm -f "$root.tar"
}

mkdir -p "$work"

# The JRE: the modules a server needs (what eclipse-temurin's JRE images hold, less the desktop).
jre="$work/jre-root"
new_root "$jre"
modules=java.se,jdk.unsupported,jdk.crypto.cryptoki,jdk.charsets,jdk.localedata,jdk.management,jdk.management.agent,jdk.management.jfr,jdk.jfr,jdk.naming.dns,jdk.net,jdk.zipfs,jdk.httpserver,jdk.security.auth,jdk.security.jgss
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --output "$jre/opt/java/openjdk"
cp -L "$JAVA_HOME/lib/security/cacerts" "$jre/opt/java/openjdk/lib/security/cacerts"
libraries_of_java "$jre" /opt/java/openjdk
import "$jre" "$jre_tag" \
  --change 'ENV JAVA_HOME=/opt/java/openjdk' \
  --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' --change 'ENV HOME=/root' --change 'CMD ["jshell"]'

# The build image: the whole JDK (javac) and Maven.
build="$work/maven-root"
new_root "$build"
mkdir -p "$build/opt/java" "$build/usr/share"
cp -rL "$JAVA_HOME" "$build/opt/java/openjdk"
cp -rL "$maven_home" "$build/usr/share/maven"
ln -s ../share/maven/bin/mvn "$build/usr/bin/mvn"
libraries_of_java "$build" /opt/java/openjdk
import "$build" "$maven_tag" \
  --change 'ENV JAVA_HOME=/opt/java/openjdk' \
  --change 'ENV MAVEN_HOME=/usr/share/maven' \
  --change 'ENV PATH=/opt/java/openjdk/bin:/usr/share/maven/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' --change 'ENV HOME=/root' --change 'CMD ["mvn"]'
