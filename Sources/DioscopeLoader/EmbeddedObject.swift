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

    /// The object opened, not loaded (the caller closes it with `bpf_object__close`). Opening
    /// needs no privilege.
    static func open() throws(LoaderError) -> OpaquePointer {
        var size = 0
        guard let image = dioscope_bpf_object(&size), size > 0 else { throw .objectOpen(errno: ENOENT) }
        var opts = bpf_object_open_opts()
        opts.sz = MemoryLayout<bpf_object_open_opts>.size
        let obj: OpaquePointer? = "dioscope".withCString { name in
            opts.object_name = name
            return bpf_object__open_mem(image, size, &opts)
        }
        guard let obj else { throw .objectOpen(errno: errno) }
        return obj
    }

    /// Makes `obj` load exactly the programs `names` when it is loaded, no other.
    static func autoloadOnly(_ obj: OpaquePointer, _ names: [String]) throws(LoaderError) {
        var prog = bpf_object__next_program(obj, nil)
        while let p = prog {
            bpf_program__set_autoload(p, false)
            prog = bpf_object__next_program(obj, p)
        }
        for name in names {
            guard let p = bpf_object__find_program_by_name(obj, name) else {
                throw .map(what: "finding program \(name) in the BPF object", errno: ENOENT)
            }
            bpf_program__set_autoload(p, true)
        }
    }

    /// Names of every program in the object (opening needs no privilege).
    public static func programNames() throws(LoaderError) -> [String] {
        let obj = try open()
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
