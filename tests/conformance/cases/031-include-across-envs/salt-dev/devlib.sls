devlib-state:
  file.managed:
    - name: {{ grains['sandbox'] }}/devlib.txt
    - contents: devlib rendered in {{ saltenv }}
