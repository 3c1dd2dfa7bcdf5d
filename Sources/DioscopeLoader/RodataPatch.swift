import CLibbpf
import Glibc

/// Writes load-time constants (`const volatile` globals in the BPF
/// object's .rodata) before the object is loaded. Variables are found by
/// name through the object's BTF, so their layout is never hard-coded.
struct RodataPatch {
    private let map: OpaquePointer
    private var bytes: [UInt8]
    private var variables: [String: (offset: Int, size: Int)] = [:]

    init(object: OpaquePointer) throws(LoaderError) {
        var found: OpaquePointer?
        var it = bpf_object__next_map(object, nil)
        while let m = it {
            if bpf_map__is_internal(m), String(cString: bpf_map__name(m)).hasSuffix(".rodata") {
                found = m
                break
            }
            it = bpf_object__next_map(object, m)
        }
        guard let map = found else { throw .map(what: "finding the BPF object's .rodata", errno: ENOENT) }
        self.map = map
        var size = 0
        guard let initial = bpf_map__initial_value(map, &size) else {
            throw .map(what: "reading the BPF object's .rodata", errno: ENOENT)
        }
        bytes = Array(UnsafeRawBufferPointer(start: initial, count: size))
        guard let btf = bpf_object__btf(object) else { throw .map(what: "reading the BPF object's BTF", errno: ENOENT) }
        let sec = btf__find_by_name_kind(btf, ".rodata", btfKindDatasec)
        guard sec > 0, let t = btf__type_by_id(btf, UInt32(sec)) else {
            throw .map(what: "finding .rodata in the BPF object's BTF", errno: ENOENT)
        }
        let infos = btf_var_secinfos(t)!
        for i in 0..<Int(btf_vlen(t)) {
            let info = infos[i]
            guard let v = btf__type_by_id(btf, info.type), let name = btf__name_by_offset(btf, v.pointee.name_off)
            else { continue }
            variables[String(cString: name)] = (Int(info.offset), Int(info.size))
        }
    }

    /// Sets an integer variable (its BTF size decides how many bytes).
    mutating func set(_ name: String, _ value: UInt64) throws(LoaderError) {
        guard let v = variables[name], v.offset + v.size <= bytes.count, [1, 2, 4, 8].contains(v.size) else {
            throw .map(what: "setting \(name) in the BPF object's .rodata", errno: ENOENT)
        }
        for i in 0..<v.size { bytes[v.offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    /// Sets a `u32` array variable; `values` may be shorter (the rest stays 0).
    mutating func set(_ name: String, u32Array values: [UInt32]) throws(LoaderError) {
        guard let v = variables[name], v.offset + v.size <= bytes.count, values.count * 4 <= v.size else {
            throw .map(what: "setting \(name) in the BPF object's .rodata", errno: ENOENT)
        }
        for (n, value) in values.enumerated() {
            for i in 0..<4 { bytes[v.offset + 4 * n + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        }
    }

    mutating func set(_ name: String, _ value: Bool) throws(LoaderError) {
        try set(name, value ? 1 : 0)
    }

    /// Hands the patched image back to libbpf (before bpf_object__load).
    func apply() throws(LoaderError) {
        let rc = bytes.withUnsafeBytes { bpf_map__set_initial_value(map, $0.baseAddress, $0.count) }
        if rc != 0 { throw .map(what: "writing the BPF object's .rodata", errno: rc) }
    }
}
