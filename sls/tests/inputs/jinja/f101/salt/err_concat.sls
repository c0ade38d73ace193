a: b
c: {{ 'a' ~ nosuch }}
