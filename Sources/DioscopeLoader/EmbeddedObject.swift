import CLibbpf
import DioscopeBPFObject
import Glibc

/// The BPF object compiled into the binary (scripts/build-bpf.sh).
public enum EmbeddedObject {
    /// Size in bytes (0 if the placeholder was never replaced).
    public static var size: Int {
        var size = 0
        _ = dioscope_bpf_object(&size)
        return size
    }

    /// Names of every program in the object (opening needs no privilege).
    public static func programNames() throws(LoaderError) -> [String] {
        var size = 0
        guard let image = dioscope_bpf_object(&size), size > 0 else { throw .objectOpen(errno: ENOENT) }
        guard let obj = bpf_object__open_mem(image, size, nil) else { throw .objectOpen(errno: errno) }
        defer { bpf_object__close(obj) }
        var names: [String] = []
        var prog = bpf_object__next_program(obj, nil)
        while let p = prog {
            names.append(String(cString: bpf_program__name(p)))
            prog = bpf_object__next_program(obj, p)
        }
        return names
    }
}
