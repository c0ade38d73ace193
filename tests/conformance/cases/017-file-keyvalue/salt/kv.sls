{% set sb = grains['sandbox'] %}
ip-forward:
  file.keyvalue:
    - name: {{ sb }}/sysctl.conf
    - key: net.ipv4.ip_forward
    - value: 1
    - separator: '='
swappiness:
  file.keyvalue:
    - name: {{ sb }}/sysctl.conf
    - key: vm.swappiness
    - value: 10
    - separator: '='
    - uncomment: '#'
    - require:
      - file: ip-forward
new-key:
  file.keyvalue:
    - name: {{ sb }}/sysctl.conf
    - key: fs.file-max
    - value: 65536
    - separator: '='
    - append_if_not_found: true
    - require:
      - file: swappiness
settings:
  file.keyvalue:
    - name: {{ sb }}/settings.conf
    - key_values:
        name: new
        color: green
    - separator: ' = '
    - key_ignore_case: true
    - count: 1
missing-no-append:
  file.keyvalue:
    - name: {{ sb }}/settings.conf
    - key: Size
    - value: big
    - separator: ' = '
    - require:
      - file: settings
