#!/bin/sh
# Builds the tiny test guest the real-hypervisor tests and the README boot: a Debian cloud
# kernel, a busybox initramfs whose /init prints marker lines on the serial console, and a
# bootable FAT disk (syslinux) holding both, converted to qcow2 -- a stand-in for a Glance
# image. Only Debian packages are used; nothing is mounted and no root-only kernel feature
# is needed. The result is cached: a second run with the outputs present does nothing.
#
#   scripts/build-test-image.sh [OUTDIR]      (default: .cache/test-image, git-ignored)
#
# Outputs in OUTDIR: tiny.qcow2 (the disk image), vmlinuz and initrd.img (for a direct
# kernel boot), and kernel/ (the unpacked kernel package, kept so a rebuild is fast).
# Needs: qemu-utils busybox-static cpio syslinux syslinux-common mtools dosfstools, and apt
# access to Debian's archive for linux-image-cloud-amd64 (downloaded, never installed).
set -eu

out=${1:-"$(dirname "$0")/../.cache/test-image"}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$out"

# Raised whenever the guest's /init changes, so a cached image from before is rebuilt.
image_version=3

if [ -s tiny.qcow2 ] && [ -s vmlinuz ] && [ -s initrd.img ] && [ "$(cat version 2>/dev/null)" = "$image_version" ] && [ "${FORCE:-0}" != 1 ]; then
  echo "test image already built in $out"
  exit 0
fi

for tool in busybox cpio syslinux mcopy mkfs.vfat qemu-img apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-test-image: $tool is missing (run scripts/setup.sh)" >&2; exit 1; }
done

# Modules the Debian cloud kernel builds as modules but the guest needs: virtio NIC and
# disk, the config drive (ISO9660 on an IDE cdrom, or vfat), and the ACPI power button (so a soft
# reboot or stop reaches the guest).
modules="virtio_pci virtio_net virtio_blk virtio_rng isofs vfat nls_cp437 nls_ascii button evdev ata_piix sr_mod"

# 1. The kernel: resolve the metapackage to the versioned image package and unpack it.
if [ ! -d kernel/lib/modules ]; then
  rm -rf download kernel
  mkdir download
  (
    cd download
    apt-get download linux-image-cloud-amd64 >/dev/null
    versioned=$(dpkg-deb -f linux-image-cloud-amd64_*.deb Depends | sed 's/[ ,(].*//')
    apt-get download "$versioned" >/dev/null
    dpkg-deb -x "${versioned}"_*.deb ../kernel
  )
  rm -rf download
fi
kver=$(ls kernel/lib/modules | head -n 1)
moddir=kernel/lib/modules/$kver
cp "kernel/boot/vmlinuz-$kver" vmlinuz
# The package's postinst would write modules.dep; busybox depmod does it here.
[ -f "$moddir/modules.dep" ] || busybox depmod -b "$out/kernel" "$kver"

# Every wanted module with its dependencies, as paths relative to the module directory.
module_closure() {
  for name in "$@"; do
    pattern=$(echo "$name" | sed 's/[-_]/[-_]/g')
    line=$(grep -E "/${pattern}\.ko:" "$moddir/modules.dep" | head -n 1)
    [ -n "$line" ] || continue
    echo "${line%%:*}"
    for dep in ${line#*:}; do echo "$dep"; done
  done | sort -u
}

# 2. The initramfs: static busybox, the modules, and an /init that reports on ttyS0.
rm -rf root
mkdir -p root/bin root/etc/udhcpc root/proc root/sys root/dev root/tmp root/mnt "root/lib/modules/$kver"
cp "$(command -v busybox)" root/bin/busybox
for applet in $(root/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "root/bin/$applet"
done
(cd "$moddir" && cp --parents $(cd "$out" && module_closure $modules) "$out/root/lib/modules/$kver/")
busybox depmod -b "$out/root" "$kver"
echo 'root:x:0:0:root:/root:/bin/sh' > root/etc/passwd
echo 'root:x:0:' > root/etc/group

# busybox udhcpc runs this script (its compiled-in path) to configure the lease.
cat > root/etc/udhcpc/default.script <<'SCRIPT'
#!/bin/sh
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for gw in $router; do ip route add default via "$gw" dev "$interface"; break; done
    : > /etc/resolv.conf
    for server in $dns; do echo "nameserver $server" >> /etc/resolv.conf; done
    ;;
esac
SCRIPT
chmod +x root/etc/udhcpc/default.script

# The markers the tests look for: GUEST-MARKER-READY once the network is up,
# GUEST-METADATA with what the metadata service answered (GUEST-MD-*: hostname, digests
# of the SSH key and user data, meta_data.json, and a password posted once),
# GUEST-CONFIGDRIVE with the config drive's uuid (GUEST-CD-*: its user data digest and
# meta_data.json), GUEST-IDLE when boot is done. busybox wget's own -T crashes, so
# timeout(1) bounds it.
cat > root/init <<INIT
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
modprobe -a $modules 2>/dev/null
hostname tinyguest
ip link set lo up
# busybox acpid exits at once when it cannot open its log and pid files.
mkdir -p /etc/acpi/PWRF /var/log /var/run
printf '#!/bin/sh\npoweroff -f\n' > /etc/acpi/PWRF/00000080
chmod +x /etc/acpi/PWRF/00000080
acpid -c /etc/acpi
ip link set eth0 up && udhcpc -i eth0 -t 10 -T 1 -n -q >/dev/null 2>&1
echo "GUEST-MARKER-READY addr=\$(ip -4 -o addr show dev eth0 | awk '{print \$4}')"
echo "GUEST-METADATA instance-id=\$(timeout 10 wget -q -O - http://169.254.169.254/latest/meta-data/instance-id)"
md() { timeout 10 wget -q -O - "http://169.254.169.254/\$1"; }
digest() { md5sum | cut -c1-32; }
echo "GUEST-MD-HOSTNAME \$(md latest/meta-data/hostname)"
echo "GUEST-MD-KEY \$(md latest/meta-data/public-keys/0/openssh-key | digest)"
echo "GUEST-MD-USERDATA \$(md latest/user-data | digest)"
echo "GUEST-MD-JSON \$(md openstack/latest/meta_data.json)"
timeout 10 wget -q -O /dev/null --post-data=posted-by-the-guest http://169.254.169.254/openstack/latest/password && echo GUEST-MD-PASSWORD-POSTED
drive=""
for attempt in \$(seq 1 30); do drive=\$(findfs LABEL=config-2 2>/dev/null) && break; sleep 0.1; done
if [ -n "\$drive" ] && mkdir -p /mnt/config && { mount -t iso9660 -o ro "\$drive" /mnt/config 2>/dev/null || mount -t vfat -o ro "\$drive" /mnt/config; }; then
  echo "GUEST-CONFIGDRIVE uuid=\$(sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p' /mnt/config/openstack/latest/meta_data.json)"
  echo "GUEST-CD-USERDATA \$(digest < /mnt/config/openstack/latest/user_data)"
  echo "GUEST-CD-JSON \$(cat /mnt/config/openstack/latest/meta_data.json)"
fi
(while :; do setsid sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1'; sleep 1; done) &
echo GUEST-IDLE
while :; do sleep 3600; done
INIT
chmod +x root/init
(cd root && find . -print0 | cpio --null -o -H newc --quiet | gzip -9) > initrd.img
rm -rf root

# 3. A bootable disk: FAT with syslinux, written through mtools (no loop device), as qcow2.
rm -f disk.raw
truncate -s 32M disk.raw
mkfs.vfat -n TINYBOOT disk.raw >/dev/null
syslinux --install disk.raw
printf 'DEFAULT guest\nPROMPT 0\nTIMEOUT 0\nLABEL guest\n KERNEL vmlinuz\n INITRD initrd.img\n APPEND console=ttyS0 panic=-1 quiet\n' > syslinux.cfg
mcopy -o -i disk.raw vmlinuz initrd.img syslinux.cfg ::
qemu-img convert -c -f raw -O qcow2 disk.raw tiny.qcow2.part
mv tiny.qcow2.part tiny.qcow2
rm -f disk.raw syslinux.cfg
echo "$image_version" > version
echo "test image built in $out: tiny.qcow2 vmlinuz initrd.img"
