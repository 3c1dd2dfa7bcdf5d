import DioscopeCore
import Foundation
import Glibc

/// A `--dev` argument resolved to the kernel device numbers to filter on
/// and the facts recorded about it in the trace header.
public struct TracedDevice: Sendable, Equatable {
    /// Every dev_t that events of this device can carry: the filesystem's
    /// s_dev and its block device (equal for a plain block filesystem).
    public var filterDevices: [UInt32]
    /// Trace-header entries (one per distinct dev_t).
    public var info: [TraceMetadata.DeviceInfo]

    /// Resolves a block device path, a mount point (or any path on a
    /// filesystem), or "MAJOR:MINOR".
    public static func resolve(_ argument: String, mounts: MountTable = MountTable()) throws(LoaderError)
        -> TracedDevice
    {
        var st = stat()
        var bdev: UInt32?
        var fsdev: UInt32?
        let parts = argument.split(separator: ":")
        if parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) {
            bdev = major << 20 | minor
        } else if stat(argument, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFBLK {
                bdev = DeviceNumber(userDev: UInt64(st.st_rdev)).raw
            } else {
                fsdev = DeviceNumber(userDev: UInt64(st.st_dev)).raw
            }
        } else {
            throw .badDevice(argument, reason: "no such device, mount point or MAJOR:MINOR")
        }

        var mount: MountEntry?
        if let fs = fsdev {
            mount = mounts.mounts(dev: fs).last
            // The block device behind the filesystem, from the mount source.
            if let m = mount, stat(m.source, &st) == 0, (st.st_mode & S_IFMT) == S_IFBLK {
                bdev = DeviceNumber(userDev: UInt64(st.st_rdev)).raw
            }
            if bdev == nil && fsdev.map(isBlockDevice) == true { bdev = fsdev }
        } else if let b = bdev {
            if let m = mounts.mounts(dev: b).last {
                mount = m
                fsdev = b
            } else if let m = mounts.entries.last(where: { entry in
                stat(entry.source, &st) == 0 && (st.st_mode & S_IFMT) == S_IFBLK
                    && DeviceNumber(userDev: UInt64(st.st_rdev)).raw == b
            }) {
                mount = m
                fsdev = m.dev
            }
        }
        if let b = bdev, !isBlockDevice(b) {
            throw .badDevice(argument, reason: "\(DeviceNumber(raw: b)) is not a block device")
        }
        if bdev == nil && fsdev == nil {
            throw .badDevice(argument, reason: "not a block device or a mounted filesystem")
        }

        var blockSize: UInt32?
        if let m = mount {
            var sfs = statvfs()
            if statvfs(m.mountPoint, &sfs) == 0 { blockSize = UInt32(sfs.f_bsize) }
        }
        var devs: [UInt32] = []
        for d in [fsdev, bdev].compactMap({ $0 }) where !devs.contains(d) { devs.append(d) }
        let info = devs.map { d in
            TraceMetadata.DeviceInfo(
                dev: DeviceNumber(raw: d), name: blockName(d) ?? (mount?.source ?? argument),
                logicalSectorSize: logicalSectorSize(bdev ?? d) ?? 512,
                filesystemType: mount?.filesystemType, fsBlockSize: blockSize, mountPoint: mount?.mountPoint)
        }
        return TracedDevice(filterDevices: devs, info: info)
    }

    static func sysfsPath(_ dev: UInt32) -> String { "/sys/dev/block/\(dev >> 20):\(dev & 0xfffff)" }

    static func isBlockDevice(_ dev: UInt32) -> Bool { access(sysfsPath(dev), F_OK) == 0 }

    /// Kernel name of a block device, e.g. "loop0".
    static func blockName(_ dev: UInt32) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: sysfsPath(dev)) else {
            return nil
        }
        return target.split(separator: "/").last.map(String.init)
    }

    /// queue/logical_block_size of the device (or of its disk, for a partition).
    static func logicalSectorSize(_ dev: UInt32) -> UInt32? {
        for p in [sysfsPath(dev) + "/queue/logical_block_size", sysfsPath(dev) + "/../queue/logical_block_size"] {
            if let s = try? String(contentsOfFile: p, encoding: .utf8),
                let v = UInt32(s.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return v
            }
        }
        return nil
    }
}
