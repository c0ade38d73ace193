{%- set tplroot = tpldir.split('/')[0] %}
{%- from "./../map.jinja" import mapdata as rel with context %}
{%- from tplroot ~ "/map.jinja" import mapdata with context %}
sub:
  test.nop:
    - tpldir: {{ tpldir }}
    - tplroot: {{ tplroot }}
    - sub: {{ mapdata.subcomponent.config }}
    - same: {{ rel == mapdata }}
    - sls: {{ sls }} {{ slspath }} {{ tplfile }}
