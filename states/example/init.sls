{%- from tpldir ~ '/map.jinja' import example with context %}
{%- set root = salt['config.get']('rsalt_sandbox', '') %}

example-config-dir:
  file.directory:
    - name: {{ root }}/etc/rsalt-example
    - makedirs: True
    - mode: 755

example-motd:
  file.managed:
    - name: {{ root }}/etc/motd
    - contents: {{ example.motd | yaml_dquote }}
    - mode: 644
    - makedirs: True

example-app-config:
  file.managed:
    - name: {{ root }}/etc/rsalt-example/app.conf
    - source: salt://example/app.conf.jinja
    - template: jinja
    - context:
        app: {{ example.app | json }}
        region: {{ salt['pillar.get']('region', 'eu') }}
    - require:
      - file: example-config-dir

example-timezone-note:
  file.managed:
    - name: {{ root }}/etc/rsalt-example/timezone
    - contents: {{ example.timezone }}
    - require:
      - file: example-config-dir

example-reload:
  cmd.run:
    - name: echo "config changed" >> {{ root }}/etc/rsalt-example/reloads.log
    - onchanges:
      - file: example-app-config
