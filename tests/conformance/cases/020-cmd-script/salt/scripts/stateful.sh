#!/bin/sh
echo "some output"
echo ""
echo "changed=no comment='nothing to do'"
