{#- Get the `tplroot` from `tpldir` #}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import mapdata as template with context %}
{%- set sls_config = tplroot ~ '.config' %}

template-package-install-pkg-installed:
  pkg.installed:
    - name: {{ template.pkg.name }}

template-config-file-file-managed:
  file.managed:
    - name: {{ template.config }}
    - mode: 644
    - user: root
    - group: {{ template.rootgroup }}
    - context:
        template: {{ template | json }}
    - require:
      - sls: {{ sls_config }}
# {{ '%s:%s' % (tplroot, template.service.name) }} {{ template.ports_str }}
# {{ template|tojson }}
# yaml: {{ template.subcomponent|yaml }}
