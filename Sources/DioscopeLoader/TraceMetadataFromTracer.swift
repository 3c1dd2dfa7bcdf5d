import DioscopeCore

extension TraceMetadata {
    /// Fills in what a live recording knows: probes and how each was
    /// attached, traced devices, filters, and the kernel addresses used.
    public mutating func describe(tracer: Tracer, devices: [TracedDevice]) {
        probes = tracer.statuses.map {
            ProbeInfo(
                name: $0.probe.displayName, id: $0.probe.id, method: AttachMethod(rawValue: $0.method.rawValue),
                reason: $0.reason)
        }
        var seen = Set<UInt32>()
        self.devices = devices.flatMap(\.info).filter { seen.insert($0.dev).inserted }
        let config = tracer.configuration
        filters = Filters(
            pids: config.pids.map { UInt32(bitPattern: $0) }, followChildren: !config.pids.isEmpty,
            devices: config.devices, other: config.cgroupID.map { ["cgroup_id=\($0)"] } ?? [])
        let s = tracer.symbols
        extra["kallsyms.aio_complete_rw"] = s.aioCompleteRW == 0 ? "unresolved" : "resolved"
        extra["kallsyms.io_complete_rw"] = s.ioCompleteRW == 0 ? "unresolved" : "resolved"
        extra["kallsyms.iomap_dio_bio_end_io"] = s.iomapDioBioEndIO == 0 ? "unresolved" : "resolved"
        extra["kallsyms.bio_chain_endio"] = s.bioChainEndIO == 0 ? "unresolved" : "resolved"
        extra["assemble"] = tracer.assembling ? "on" : "off"
        extra["fentry"] = tracer.features.fentry.available ? "available" : tracer.features.fentry.detail
        extra["kprobe"] = tracer.features.kprobes.available ? "available" : tracer.features.kprobes.detail
        extra["ringbuf_bytes"] = String(config.ringBufferBytes)
    }
}
