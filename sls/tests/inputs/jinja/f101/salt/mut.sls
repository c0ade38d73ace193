{% set d = {'a': 1, 'b': 2, 'c': {'x': 1}} %}
{% set l = [3, 1, 2] %}
{% set popped = d.pop('a') %}{% set dflt = d.pop('zz', 'dflt') %}
{% do l.remove(1) %}{% do l.append([9]) %}{% do l.insert(-1, 'ins') %}
{% set c = d.copy() %}{% do c.update({'b': 20}) %}{% do c.c.update({'y': 2}) %}
{% set n = d.setdefault('n', {}) %}{% do n.update({'q': 1}) %}
{% do d.update(k=1) %}
{% set s = [5, 3, 4] %}{% do s.sort() %}{% set r = [1, 2, 3] %}{% do r.reverse() %}
a: {{ popped }} {{ dflt }} {{ l }} {{ d }} {{ c }}
b: {{ d.items()|list }} {{ d.keys()|list }} {{ d.values()|list }} {{ s }} {{ r }}
c: {{ dict(x=1, y=[1]) }} {{ l + [4] }} {{ [1, 2, 1].count(1) }} {{ ['a', 'b'].index('b') }} {{ (1,) }} {{ () }} {{ (1, 'a') }}
d: {{ d.get('nope') }} {{ d.get('b') }} {{ 'b' in d }} {{ 'zz' not in d }} {{ d|length }} {{ l|length }}
{% set ns = namespace(items=[]) %}{% for i in range(3) %}{% do ns.items.append(i * 2) %}{% endfor %}
e: {{ ns.items }} {{ ns.items|sum }} {{ {1: 'one', true: 'x'} }} {{ {'k': none, 'f': 1.5, 't': true} }}
{% set odict = odict([('z', 1), ('a', 2)]) %}
f: {{ odict }} {{ odict|string }} {{ odict|json }} {{ 'x' ~ odict }} {{ [odict] }}
