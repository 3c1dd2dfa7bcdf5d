import Foundation

/// A scratch filesystem on a loop device: temp dir, sparse image,
/// `losetup -f --show`, mkfs, mount. `tearDown()` (also run by deinit and
/// on every failed setup step) unmounts, detaches and deletes.
final class LoopFixture {
    enum FSType: String { case xfs, ext4 }

    let fsType: FSType
    let directory: String
    let image: String
    let mountPoint: String
    private(set) var loopDevice: String?
    private var mounted = false

    init(_ fsType: FSType, sizeMB: Int = 512) throws {
        self.fsType = fsType
        var template = Array("/tmp/dioscope-live.XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Shell.Failure(command: "mkdtemp", status: errno, output: "")
        }
        directory = String(cString: dir)
        image = directory + "/image"
        mountPoint = directory + "/mnt"
        do {
            try Shell.run("truncate", "-s", "\(sizeMB)M", image)
            loopDevice = try Shell.run("losetup", "-f", "--show", image).trimmingCharacters(in: .whitespacesAndNewlines)
            switch fsType {
            case .xfs: try Shell.run("mkfs.xfs", "-q", "-f", loopDevice!)
            case .ext4: try Shell.run("mkfs.ext4", "-q", "-F", loopDevice!)
            }
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
            try Shell.run("mount", loopDevice!, mountPoint)
            mounted = true
        } catch {
            tearDown()
            throw error
        }
    }

    deinit { tearDown() }

    /// Idempotent cleanup of everything set up so far.
    func tearDown() {
        if mounted {
            if (try? Shell.run("umount", mountPoint)) == nil { _ = try? Shell.run("umount", "-l", mountPoint) }
            mounted = false
        }
        if let dev = loopDevice {
            _ = try? Shell.run("losetup", "-d", dev)
            loopDevice = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
