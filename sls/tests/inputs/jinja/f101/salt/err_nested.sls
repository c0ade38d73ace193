{% set d = {'a': {'b': 1}} %}
c: {{ d.a.zz }}
