app-conf:
  file.managed:
    - name: {{ grains['sandbox'] }}/app.conf
    - contents: |
        name={{ pillar['app']['name'] }}
        port={{ pillar['app']['port'] }}
        hosts={{ pillar['app']['hosts'] | join(',') }}
        workers={{ salt['pillar.get']('app:tuning:workers') }}
