template:
  rootgroup: wheel
  service:
    name: template-svc
  extra_key: from-pillar
