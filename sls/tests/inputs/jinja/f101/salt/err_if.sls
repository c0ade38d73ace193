{% if nosuch %}
yes
{% endif %}
