{% for x in nosuch %}{{ x }}{% endfor %}
