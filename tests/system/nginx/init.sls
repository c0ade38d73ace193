# The reverse-proxy pattern with standard modules: nginx from the Debian mirror, its
# config validated by check_cmd before it is written, reloaded on change; an API on a
# unix socket (a sysv service of its own) behind it.
nginx:
  pkg.installed: []
  service.running:
    - enable: True
    - reload: True
    - require:
      - pkg: nginx
    - watch:
      - file: nginx-conf

nginx-conf:
  file.managed:
    - name: /etc/nginx/nginx.conf
    - source: salt://nginx/nginx.conf.j2
    - template: jinja
    - check_cmd: /usr/sbin/nginx -t -c
    - require:
      - pkg: nginx

api-script:
  file.managed:
    - name: /usr/local/bin/unix-api.py
    - source: salt://nginx/unix-api.py
    - mode: '0755'

api-init:
  file.managed:
    - name: /etc/init.d/unix-api
    - source: salt://nginx/unix-api.init
    - mode: '0755'

unix-api:
  service.running:
    - enable: True
    - watch:
      - file: api-script
      - file: api-init
