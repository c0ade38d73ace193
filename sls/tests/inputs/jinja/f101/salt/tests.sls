a: {{ 'abc' is match('a.c') }} {{ 'xabc' is match('abc') }} {{ 'ABC' is match('abc', ignorecase=True) }} {{ 1 is equalto 1 }} {{ [1] is list }} {{ (1,) is list }}
b: {{ none is none }} {{ 'a' is string }} {{ {} is mapping }} {{ 3 is number }} {{ nosuch is defined }} {{ nosuch is undefined }} {{ 1 is odd }} {{ 4 is divisibleby 2 }}
c: {{ 3 is integer }} {{ 3.0 is float }} {{ true is boolean }} {{ [] is iterable }} {{ 'a' is in ['a'] }} {{ 2 is gt 1 }} {{ nosuch|default('d') }} {{ ''|default('e', true) }}
