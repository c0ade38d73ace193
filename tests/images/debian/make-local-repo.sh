#!/bin/sh
# Builds the local apt repositories of the test image (no network needed by pkg tests):
#   /opt/rsalt-repo   flat, unsigned (used with [trusted=yes]), enabled in
#                     /etc/apt/sources.list.d/rsalt-local.list:
#                     rsalt-hello 1.0 and 1.1, rsalt-extra 1.0, rsalt-conf 1.0 (a conffile)
#   /opt/rsalt-repo2  flat, signed with a throw-away key (pkgrepo signed-by tests), NOT
#                     enabled: rsalt-signed 1.0; key at /opt/rsalt-repo2/key.gpg (binary)
#                     and key.asc (armored)
set -eu
mkpkg() { # name version dir [conffile]
  name=$1; ver=$2; out=$3; conf=${4:-}
  d=$(mktemp -d)
  mkdir -p "$d/DEBIAN" "$d/usr/share/$name" "$d/usr/bin"
  echo "$ver" > "$d/usr/share/$name/VERSION"
  printf '#!/bin/sh\necho "%s %s"\n' "$name" "$ver" > "$d/usr/bin/$name"
  chmod 755 "$d/usr/bin/$name"
  cat > "$d/DEBIAN/control" <<CTL
Package: $name
Version: $ver
Architecture: all
Maintainer: rsalt tests <tests@rsalt.invalid>
Section: misc
Priority: optional
Description: rsalt test package $name
 Built by tests/images/debian/make-local-repo.sh.
CTL
  if [ -n "$conf" ]; then
    mkdir -p "$d/etc"
    echo "setting=default" > "$d/etc/$conf"
    echo "/etc/$conf" > "$d/DEBIAN/conffiles"
  fi
  dpkg-deb --root-owner-group -b "$d" "$out/${name}_${ver}_all.deb" >/dev/null
  rm -rf "$d"
}
index() { # dir
  (cd "$1" && apt-ftparchive packages . > Packages && gzip -9kf Packages \
     && apt-ftparchive -o APT::FTPArchive::Release::Origin=rsalt \
          -o APT::FTPArchive::Release::Label=rsalt release . > Release)
}
mkdir -p /opt/rsalt-repo /opt/rsalt-repo2
mkpkg rsalt-hello 1.0 /opt/rsalt-repo
mkpkg rsalt-hello 1.1 /opt/rsalt-repo
mkpkg rsalt-extra 1.0 /opt/rsalt-repo
mkpkg rsalt-conf 1.0 /opt/rsalt-repo rsalt-conf.conf
index /opt/rsalt-repo
mkpkg rsalt-signed 1.0 /opt/rsalt-repo2
index /opt/rsalt-repo2
export GNUPGHOME=$(mktemp -d)
gpg --batch --quiet --passphrase '' --quick-gen-key 'rsalt test repo <repo@rsalt.invalid>' rsa2048 sign never
gpg --batch --quiet --yes --clearsign -o /opt/rsalt-repo2/InRelease /opt/rsalt-repo2/Release
gpg --batch --quiet --yes -abs -o /opt/rsalt-repo2/Release.gpg /opt/rsalt-repo2/Release
gpg --batch --quiet --export > /opt/rsalt-repo2/key.gpg
gpg --batch --quiet --armor --export > /opt/rsalt-repo2/key.asc
gpgconf --kill all || true
rm -rf "$GNUPGHOME"
echo 'deb [trusted=yes] file:/opt/rsalt-repo ./' > /etc/apt/sources.list.d/rsalt-local.list
