{% set sb = grains['sandbox'] %}
app-conf:
  file.managed:
    - name: {{ sb }}/app.conf
    - source: salt://tpl/app.conf.j2
    - template: jinja
    - defaults:
        name: default-name
        port: 80
        debug: false
        workers: 2
        limits: {nofile: 1024, nproc: 64}
        users: [root]
    - context:
        port: 8080
        workers: 4.5
        users: [alice, bob]
inline:
  file.managed:
    - name: {{ sb }}/inline.txt
    - template: jinja
    - contents: 'sum={{ "{{" }} 1 + 2 {{ "}}" }} id={{ "{{" }} grains.id {{ "}}" }}'
    - context:
        unused: 1
