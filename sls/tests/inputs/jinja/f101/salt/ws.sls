{% for i in [1, 2] %}
  {% if i == 1 %}
  one
  {% endif %}
{% endfor %}
{%- set x = 1 -%}
tail {{ x }}
{{ 'no newline at end' }}
