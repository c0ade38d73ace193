common-file:
  file.managed:
    - name: {{ grains['sandbox'] }}/common.txt
    - contents: common from {{ saltenv }}
