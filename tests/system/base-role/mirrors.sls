# Package mirrors for pip, docker, npm, gem and apt.
pip-mirror:
  ini.options_present:
    - name: /etc/pip.conf
    - sections:
        global:
          index-url: http://pypi.mirror.test/simple
          trusted-host: pypi.mirror.test

docker-mirror:
  file.serialize:
    - name: /etc/docker/daemon.json
    - serializer: json
    - merge_if_exists: True
    - makedirs: True
    - dataset:
        registry-mirrors:
          - http://registry.mirror.test:5000

npmrc:
  file.managed:
    - name: /root/.npmrc
    - contents: |
        registry=http://npm.mirror.test/

gemrc:
  file.managed:
    - name: /root/.gemrc
    - contents: |
        ---
        :sources:
        - http://gems.mirror.test/

apt-updates:
  pkgrepo.managed:
    - name: deb http://deb.debian.org/debian bookworm-updates main
    - file: /etc/apt/sources.list.d/bookworm-updates.list
