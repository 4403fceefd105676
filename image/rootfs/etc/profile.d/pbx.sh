# pbxctl talks to the running pbxd through its control socket on the data partition
alias pbxctl='pbxctl --socket /var/lib/pbx/pbxd.sock'
