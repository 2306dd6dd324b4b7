#!/bin/bash
# Smallest scenario: the guest boots, sees the host root and loads modules.
ok() { echo "ok - $*"; }
uname -r
modprobe bluetooth && modprobe hci_vhci && ok "bluetooth + hci_vhci loaded"
insmod "$RS_WORK/gpio-sim.ko" && ok "gpio-sim loaded"
btvirt -L -l3 & sleep 3; btmgmt info | grep -E '^hci|addr'
[ -x "$RS_BUILD/homevitalsd" ] && ok "homevitalsd visible"
