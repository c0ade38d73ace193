#!/bin/sh
# Builds a local rpm repository for the dnf backend tests (Debian's dnf/rpm/createrepo-c:
# no RHEL image can be built here, but real dnf runs against real rpms):
#   /opt/rsalt-rpms: rsalt-hello 1.0-1 and 1.1-1, rsalt-extra 1.0-1 (noarch),
#   configured in /etc/yum.repos.d/rsalt.repo.
set -eu
top=$(mktemp -d)
mkdir -p "$top/SPECS" /opt/rsalt-rpms
mkrpm() { # name version
  cat > "$top/SPECS/$1.spec" <<SPEC
Name: $1
Version: $2
Release: 1
Summary: rsalt test package $1
License: MIT
BuildArch: noarch
%description
rsalt test package $1 $2.
%install
mkdir -p %{buildroot}/usr/share/$1
echo $2 > %{buildroot}/usr/share/$1/VERSION
%files
/usr/share/$1/VERSION
SPEC
  rpmbuild --quiet --define "_topdir $top" -bb "$top/SPECS/$1.spec" >/dev/null 2>&1
}
mkrpm rsalt-hello 1.0
mkrpm rsalt-hello 1.1
mkrpm rsalt-extra 1.0
find "$top/RPMS" -name '*.rpm' -exec cp {} /opt/rsalt-rpms/ \;
createrepo_c -q /opt/rsalt-rpms
rm -rf "$top"
mkdir -p /etc/yum.repos.d /etc/dnf/vars
echo 9 > /etc/dnf/vars/releasever
cat > /etc/yum.repos.d/rsalt.repo <<REPO
[rsalt]
name=rsalt test rpms
baseurl=file:///opt/rsalt-rpms
gpgcheck=0
enabled=1
REPO
# dnf-plugins-core's "local" plugin mirrors installed rpms into a gpgcheck=1 repo of its
# own, which then refuses our unsigned test packages: off.
if [ -f /etc/dnf/plugins/local.conf ]; then
  sed -i 's/^enabled *=.*/enabled=0/' /etc/dnf/plugins/local.conf
fi
