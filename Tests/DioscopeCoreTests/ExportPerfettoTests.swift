import Foundation
import Testing
@testable import DioscopeCore

/// Structural checks of the Chrome trace-event JSON the Perfetto UI loads.
@Suite struct ExportPerfettoTests {
    typealias Obj = [String: Any]

    /// Problems found in a trace-event document (empty: well formed).
    static func structuralProblems(_ data: Data) throws -> [String] {
        var problems: [String] = []
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? Obj)
        guard let events = root["traceEvents"] as? [Obj] else { return ["no traceEvents array"] }
        var named = Set<Int>()
        var threads = Set<[Int]>()
        var stacks: [String: [(name: String, ts: Double)]] = [:]
        var lastTs: [String: Double] = [:]
        var flowStarts: [String: (ts: Double, name: String)] = [:]
        var flowEnds: [String: Double] = [:]
        var used: [(pid: Int, tid: Int, ph: String)] = []
        for (i, e) in events.enumerated() {
            guard let ph = e["ph"] as? String, e["name"] is String, let pid = e["pid"] as? Int, let tid = e["tid"] as? Int,
                  let ts = e["ts"] as? Double ?? (e["ts"] as? Int).map(Double.init) else {
                problems.append("event \(i) lacks ph/name/pid/tid/ts")
                continue
            }
            let name = e["name"] as! String
            switch ph {
            case "M":
                let args = e["args"] as? Obj
                if name == "process_name" { named.insert(pid) }
                if name == "thread_name" { threads.insert([pid, tid]) }
                if args?["name"] == nil && args?["sort_index"] == nil { problems.append("metadata \(i) without args") }
            case "b", "e":
                guard let id = e["id"] as? String, let cat = e["cat"] as? String else {
                    problems.append("async \(i) without id/cat"); continue
                }
                let key = "\(pid)/\(cat)/\(id)"
                if let last = lastTs[key], ts < last { problems.append("ts goes back in slice \(key) at event \(i)") }
                lastTs[key] = ts
                if ph == "b" {
                    stacks[key, default: []].append((name, ts))
                } else if let open = stacks[key]?.popLast() {
                    if open.name != name { problems.append("e \(name) closes b \(open.name) in \(key)") }
                    if ts < open.ts { problems.append("e before b in \(key)") }
                } else {
                    problems.append("e without b: \(key) \(name)")
                }
                used.append((pid, tid, ph))
            case "X":
                if (e["dur"] as? Double ?? (e["dur"] as? Int).map(Double.init) ?? -1) < 0 { problems.append("X \(i) without dur") }
                used.append((pid, tid, ph))
            case "i":
                if !["t", "p", "g"].contains(e["s"] as? String ?? "") { problems.append("instant \(i) without scope") }
                used.append((pid, tid, ph))
            case "s":
                guard let id = e["id"] as? String else { problems.append("flow start \(i) without id"); continue }
                if flowStarts[id] != nil { problems.append("flow \(id) started twice") }
                flowStarts[id] = (ts, name)
            case "f":
                guard let id = e["id"] as? String else { problems.append("flow end \(i) without id"); continue }
                if e["bp"] as? String != "e" { problems.append("flow end \(id) without bp e") }
                if flowEnds[id] != nil { problems.append("flow \(id) ended twice") }
                flowEnds[id] = ts
            default:
                problems.append("unexpected ph \(ph)")
            }
        }
        for (key, open) in stacks where !open.isEmpty { problems.append("b without e: \(key) \(open.map(\.name))") }
        if Set(flowStarts.keys) != Set(flowEnds.keys) { problems.append("unpaired flows") }
        for (id, s) in flowStarts { if let f = flowEnds[id], f < s.ts { problems.append("flow \(id) ends before it starts") } }
        for u in used where !named.contains(u.pid) { problems.append("pid \(u.pid) has no process_name") }
        for u in used where u.ph != "b" && u.ph != "e" && !threads.contains([u.pid, u.tid]) {
            problems.append("thread \(u.pid)/\(u.tid) has no thread_name")
        }
        return problems
    }

    static func events(_ data: Data) throws -> [Obj] {
        let root = try JSONSerialization.jsonObject(with: data) as! Obj
        return root["traceEvents"] as! [Obj]
    }

    @Test(arguments: ["xfs-aio-hole.trace", "ext4-aio-hole.trace", "xfs-uring-tgid.trace", "ext4-misc.trace"])
    func realAnalysesAreWellFormed(fixture: String) throws {
        let (result, _) = try ExportFixtures.analyze(ftrace: fixture)
        let data = PerfettoExporter.encode(result)
        #expect(try Self.structuralProblems(data) == [])
        let evs = try Self.events(data)
        // every timeline has its slice on its process and on its file's track
        let ioBegins = evs.filter { $0["ph"] as? String == "b" && $0["cat"] as? String == "io" && ($0["args"] as? Obj)?["io"] != nil }
        #expect(ioBegins.count == result.timelines.count)
        let inodeBegins = evs.filter { $0["ph"] as? String == "b" && $0["cat"] as? String == "inode" }
        #expect(inodeBegins.count == result.timelines.count)
        for t in result.timelines {
            let b = try #require(ioBegins.first { ($0["args"] as! Obj)["io"] as? Int == Int(t.id) })
            #expect(b["pid"] as? Int == Int(t.tgid) && b["tid"] as? Int == Int(t.tid))
            #expect(b["ts"] as? Double == Double(t.submittedAt) / 1000)
        }
    }

    @Test func phasesNestInsideTheirIO() throws {
        let (result, _) = try ExportFixtures.analyze(ftrace: "xfs-aio-hole.trace")
        let write = try #require(result.timelines.first { $0.op == .write && $0.api == .libaio })
        let evs = try Self.events(PerfettoExporter.encode(result)).filter { $0["id"] as? String == "io\(write.id)" }
        let names = evs.map { "\($0["ph"]!) \($0["name"]!)" }
        #expect(names.first?.hasPrefix("b io#\(write.id) libaio write") == true)
        #expect(names.last?.hasPrefix("e io#\(write.id) libaio write") == true)
        #expect(names.dropFirst().dropLast() == ["b submit", "e submit", "b device", "e device",
                                                 "b unwritten conversion", "e unwritten conversion",
                                                 "b completion", "e completion", "b reap", "e reap"])
        let ts = evs.map { $0["ts"] as! Double }
        #expect(ts == ts.sorted())
        #expect(ts.last == Double(write.endedAt) / 1000)
    }

    @Test func findingsAreInstantsWithFlowsToEveryIOInvolved() throws {
        let (result, _) = try ExportFixtures.analyzeSimulatedRace()
        let finding = try #require(result.findings.first)
        let data = PerfettoExporter.encode(result)
        #expect(try Self.structuralProblems(data) == [])
        let evs = try Self.events(data)
        let instants = evs.filter { $0["ph"] as? String == "i" }
        #expect(instants.count == result.findings.count)
        #expect(instants.first?["name"] as? String == "completion-before-conversion")
        #expect(instants.first?["pid"] as? Int == PerfettoExporter.findingsPid)
        let starts = evs.filter { $0["ph"] as? String == "s" }
        #expect(starts.count == finding.ios.count)
        for io in finding.ios {
            let t = try #require(result.timelines.first { $0.id == io })
            let s = try #require(starts.first { $0["id"] as? String == "finding0-io\(io)" })
            // the flow starts on the I/O's thread, inside its anchor slice
            #expect(s["pid"] as? Int == Int(t.tgid) && s["tid"] as? Int == Int(t.tid))
            let anchor = try #require(evs.first { $0["ph"] as? String == "X" && $0["name"] as? String == "submit io#\(io)" })
            let a0 = try #require(anchor["ts"] as? Double), a1 = a0 + (anchor["dur"] as! Double)
            let st = try #require(s["ts"] as? Double)
            #expect(a0 < st && st < a1)
            let f = try #require(evs.first { $0["ph"] as? String == "f" && $0["id"] as? String == "finding0-io\(io)" })
            let fa = try #require(evs.first { $0["ph"] as? String == "X" && $0["cat"] as? String == "finding" })
            let f0 = fa["ts"] as! Double, ft = f["ts"] as! Double
            #expect(f0 < ft && ft < f0 + (fa["dur"] as! Double))
            #expect(f["pid"] as? Int == PerfettoExporter.findingsPid && f["tid"] as? Int == 1)
        }
    }

    @Test func checkerCatchesBrokenTraces() throws {
        let bad = """
            {"traceEvents":[
            {"ph":"M","name":"process_name","ts":0,"pid":1,"tid":0,"args":{"name":"p"}},
            {"ph":"b","name":"a","cat":"io","ts":5,"pid":1,"tid":1,"id":"x"},
            {"ph":"e","name":"a","cat":"io","ts":4,"pid":1,"tid":1,"id":"x"},
            {"ph":"b","name":"open","cat":"io","ts":6,"pid":1,"tid":1,"id":"y"},
            {"ph":"s","name":"f","cat":"finding","ts":1,"pid":1,"tid":1,"id":"fl"},
            {"ph":"i","name":"n","ts":1,"pid":9,"tid":1,"s":"t"}
            ]}
            """
        let problems = try Self.structuralProblems(Data(bad.utf8))
        #expect(problems.contains { $0.hasPrefix("ts goes back") })
        #expect(problems.contains { $0.hasPrefix("b without e") })
        #expect(problems.contains("unpaired flows"))
        #expect(problems.contains("pid 9 has no process_name"))
    }

    @Test func lostWindowsAndEscaping() throws {
        var (result, _) = try ExportFixtures.analyze(ftrace: "xfs-misc.trace")
        result.lostWindows = [LostWindow(since: 10_000, until: 20_500, dropped: 7)]
        var controls = ""
        for c in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        let comm = "we\"ird\\name\n/é😀" + controls
        result.timelines[0].comm = comm
        let data = PerfettoExporter.encode(result)
        #expect(try Self.structuralProblems(data) == [])
        // every character survives the escaping
        let io = try #require(try Self.events(data).first {
            $0["ph"] as? String == "b" && $0["cat"] as? String == "io" && $0["id"] as? String == "io\(result.timelines[0].id)"
                && $0["args"] != nil
        })
        #expect((io["args"] as? Obj)?["comm"] as? String == comm)
        let lost = try #require(try Self.events(data).first { $0["cat"] as? String == "lost" })
        #expect(lost["ts"] as? Double == 10.0 && lost["dur"] as? Double == 10.5)
        #expect(lost["name"] as? String == "7 events lost")
    }

    /// A large trace is handed out in pieces of about 1 MiB that make up the whole trace.
    @Test func writtenInPieces() throws {
        let result = try ExportFixtures.analyze(ftrace: "xfs-aio-hole.trace", repeatedTo: 6_000)
        var pieces: [Data] = []
        try PerfettoExporter.write(result) { pieces.append($0) }
        #expect(pieces.count > 2)
        #expect(pieces.dropLast().allSatisfy { $0.count >= PrivateFile.pieceBytes })
        let whole = pieces.reduce(into: Data()) { $0.append($1) }
        #expect(try Self.structuralProblems(whole) == [])
        #expect(try Self.events(whole).filter { $0["cat"] as? String == "submit" }.count == result.timelines.count)
    }
}
