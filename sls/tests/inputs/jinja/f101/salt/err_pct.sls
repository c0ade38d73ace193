c: {{ '%s' % nosuch }}
