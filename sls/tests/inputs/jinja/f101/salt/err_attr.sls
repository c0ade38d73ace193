x:
  v: {{ grains.nosuch }}
