scratch-tmpfs:
  mount.mounted:
    - name: /mnt/scratch
    - device: tmpfs
    - fstype: tmpfs
    - opts: size=16m,mode=1777
    - mkmnt: True
    - persist: True
