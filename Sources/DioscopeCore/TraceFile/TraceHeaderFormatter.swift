import Foundation

/// Human-readable summary of a trace file's header and footer, as `#`
/// comment lines (used by `dioscope dump`, reusable by reports).
public enum TraceHeaderFormatter {
    /// `abiVersion`: the file's record ABI version (``TraceReader/abiVersion``).
    public static func lines(path: String, fileSize: Int, metadata m: TraceMetadata, footer: TraceFooter?,
                             createdRealtimeNs: UInt64 = 0, abiVersion: UInt32 = RecordLayout.abiVersion) -> [String] {
        var out: [String] = []
        out.append("# dioscope trace \(path): format \(TraceFileFormat.version), record ABI \(abiVersion), "
            + "\(fileSize) bytes")
        let tool = m.toolVersion.isEmpty ? "dioscope ?"
            : m.toolVersion.hasPrefix("dioscope") ? m.toolVersion : "dioscope \(m.toolVersion)"
        var rec = "# recorded by \(tool)"
        if !m.hostname.isEmpty { rec += " on \(m.hostname)" }
        rec += " (kernel \(m.kernelRelease.isEmpty ? "?" : m.kernelRelease)"
        if !m.machine.isEmpty { rec += ", \(m.machine)" }
        rec += ", \(m.cpuCount) CPUs)"
        if createdRealtimeNs > 0 { rec += ", created \(iso8601(createdRealtimeNs))" }
        out.append(rec)
        if !m.commandLine.isEmpty { out.append("# command: \(m.commandLine.joined(separator: " "))") }
        if !m.tracedCommand.isEmpty || m.tracedPid != nil {
            var t = "# traced: \(m.tracedCommand.isEmpty ? "(existing processes)" : m.tracedCommand.joined(separator: " "))"
            if let pid = m.tracedPid { t += " (pid \(pid))" }
            out.append(t)
        }
        out.append("# clock \(m.clock), started at \(seconds(m.startTimestamp)); realtime = ts + \(m.monotonicToRealtimeNs) ns, "
            + "boottime = ts + \(m.monotonicToBoottimeNs) ns")
        var filters: [String] = []
        if !m.filters.pids.isEmpty {
            filters.append("pids \(m.filters.pids.map(String.init).joined(separator: ","))"
                + (m.filters.followChildren ? " and children" : ""))
        }
        if !m.filters.devices.isEmpty {
            filters.append("devices \(m.filters.devices.map { DeviceNumber(raw: $0).description }.joined(separator: ","))")
        }
        filters += m.filters.other
        out.append("# filters: \(filters.isEmpty ? "none" : filters.joined(separator: "; "))")
        if !m.probes.isEmpty {
            let attached = m.probes.filter { $0.method != .unavailable }
            out.append("# probes attached (\(attached.count)/\(m.probes.count)): "
                + attached.map { "\($0.name)[\($0.method)]" }.joined(separator: " "))
            for p in m.probes where p.method == .unavailable {
                out.append("# probe unavailable: \(p.name)\(p.reason.map { ": \($0)" } ?? "")")
            }
        }
        for d in m.devices {
            var s = "# device \(d.deviceNumber) \(d.name): sector \(d.logicalSectorSize)"
            if let fs = d.filesystemType { s += ", \(fs)" }
            if let bs = d.fsBlockSize { s += " block \(bs)" }
            if let mp = d.mountPoint { s += " on \(mp)" }
            out.append(s)
        }
        if let f = footer {
            var s = "# ended: \(f.endReason)"
            if let e = f.errorMessage { s += " (\(e))" }
            s += " at \(seconds(f.endTimestamp)), \(f.totalRecords) records in \(f.chunkCount) chunks, "
            s += "\(f.totalDrops) dropped"
            out.append(s)
            for p in f.probes where p.drops > 0 { out.append("# drops: \(p.name): \(p.drops) of \(p.events + p.drops)") }
            let held = f.probes.filter { ($0.absorbed ?? 0) > 0 }
            if !held.isEmpty {
                let total = held.reduce(UInt64(0)) { $0 + ($1.absorbed ?? 0) }
                out.append("# assembled in the kernel: \(total) events held back into other records (dio_steps, system calls) ("
                    + held.map { "\($0.name) \($0.absorbed!)" }.joined(separator: ", ") + ")")
            }
            if f.unattributedDrops > 0 { out.append("# drops: unattributed: \(f.unattributedDrops)") }
        } else {
            out.append("# no footer: the recording did not finish (killed, crashed or out of disk space)")
        }
        return out
    }

    static func seconds(_ ns: UInt64) -> String {
        let frac = String(ns % 1_000_000_000)
        return "\(ns / 1_000_000_000)." + String(repeating: "0", count: 9 - frac.count) + frac
    }

    static func iso8601(_ realtimeNs: UInt64) -> String {
        let d = Date(timeIntervalSince1970: Double(realtimeNs) / 1e9)
        return d.formatted(.iso8601)
    }
}
