a: {{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ {'b': 1, 'A': 2}|dictsort }} {{ [1, 2, 2, 1]|unique }} {{ ['B', 'a']|sort(case_sensitive=true) }}
b: {{ 'yes'|to_bool }} {{ 0|to_bool }} {{ ['a']|to_bool }} {{ 'no'|to_bool }} {{ none|to_bool }} {{ 2|to_bool }}
c: {{ 'abc'|regex_search('(b)(c)') }} {{ 'abc'|regex_match('b') }} {{ 'a-b-c'|regex_replace('-(.)', '_\\1') }} {{ 'ABC'|regex_search('b', ignorecase=True) }}
d: {{ {'a': {'b': [1, {'c': 3}]}}|traverse('a:b:1:c') }} {{ {'a': 1}|traverse('x:y', 'dflt') }} {{ 'x'|sequence }} {{ [1]|sequence }}
e: {{ 'abc'|md5 }} {{ 'abc'|sha256 }} {{ 'hello'|base64_encode }} {{ 'aGVsbG8='|base64_decode }}
f: {{ '/a'|path_join('b', 'c') }} {{ "it's"|quote }} {{ 'plain'|quote }} {{ [1, 0, 0]|exactly_one_true }} {{ [1]|is_list }} {{ 'x'|is_list }}
g: {{ 'x"y'|yaml_dquote }} {{ "it's"|yaml_squote }} {{ 'str'|yaml_encode }} {{ 3|yaml_encode }} {{ none|yaml_encode }} {{ true|yaml_encode }} {{ 1.5|yaml_encode }}
h: {{ {'a': '<b>&\'c'}|tojson }} {{ {'b': 1, 'a': [1, 2]}|json }} {{ 'é'|tojson }} {{ 'é'|json }} {{ [1, 2]|tojson(indent=2) }}
i: {{ [1, 2]|union([2, 3]) }} {{ [1, 2, 3]|intersect([2, 3, 4]) }} {{ [1, 2, 3]|difference([2]) }} {{ [1, 2]|symmetric_difference([2, 3]) }} {{ [1, 2, 3, 4]|avg }}
j: {{ '  a\n b'|indent(2) }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent(3, blank=true) }}
k: {{ 3.7|int }} {{ '3.7'|int }} {{ '0x1A'|int(0, 16) }} {{ '12'|float }} {{ 2.5|round }} {{ 2.5|round(0, 'floor') }} {{ 3.14159|round(2) }} {{ -2|abs }}
l: {{ [1, 2]|string }} {{ none|string }} {{ true|string }} {{ {'a': 1}|string }} {{ 1.0 }} {{ 1e20 }} {{ 0.1 + 0.2 }} {{ 10 / 4 }} {{ 10 // 4 }} {{ 2 ** 10 }} {{ 1e-5 }}
m: {{ {'a': 1, 'b': [1, 2]}|dict_to_sls_yaml_params }}
n: {{ {'a': 1, 'b': [1, 2], 'c': {'d': 'x y'}}|yaml }} {{ [1, 'a']|yaml(False) }} {{ 'multi'|yaml }}
o: {{ [1, 2, 3]|batch(2)|list }} {{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ [1, 2, 3]|reverse|list }} {{ [1, 2]|join }} {{ [1, 2]|join('|') }}
p: {{ [{'a': 1}, {'a': 2}]|map(attribute='a')|list }} {{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3]|reject('even')|list }} {{ range(1, 4)|list }}
