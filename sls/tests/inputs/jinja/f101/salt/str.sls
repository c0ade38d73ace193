a: {{ 'a,b,,c'.split(',') }} {{ ' a b  c '.split(None, 1) }} {{ 'a.b.c'.rsplit('.') }} {{ 'a b c'.rsplit(None, 1) }}
b: {{ 'abc'.startswith(('x', 'a')) }} {{ 'Hello'.ljust(8, '*') }} {{ 'x'.rjust(3) }}| {{ 'ab'.center(7, '-') }} {{ 'abc'.center(6) }}
c: {{ "they're bill's".title() }} {{ "they're bill-o (x)"|title }} {{ '  x '.lstrip() }}| {{ 'a\nb\r\nc'.splitlines() }}
d: {{ '-'.join(['a', 'b']) }} {{ 'abc'.replace('b', '') }} {{ 'aXbXc'.partition('X') }} {{ 'abc'[::-1] }} {{ 'ab' * 3 }} {{ 'abc'[1] }}
e: {{ 'Hello World'.swapcase() }} {{ 'hello'.capitalize() }} {{ 'HeLLo'|capitalize }} {{ '12'.isdigit() }} {{ 'a1'.isalnum() }} {{ ''.isdigit() }}
f: {{ 'abcabc'.rfind('b') }} {{ 'abc'.find('z') }} {{ '-5'.zfill(4) }} {{ 'x y'.isspace() }} {{ 'ABC'.isupper() }} {{ 'www.x.com'.strip('cmowz.') }}
g: {{ 'a' < 'b' }} {{ 'abc'|length }} {{ 'hello world foo'|wordcount }} {{ 'abcdefghijklmnopqrstuvwxyz0123456789'|truncate(10, true) }}
