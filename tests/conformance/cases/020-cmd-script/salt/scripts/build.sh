#!/bin/sh
echo "building $1 $2 in $(basename "$PWD") as $MODE"
echo done > marker
