/// Byte offsets of the ABI's `struct dsc_event` (bpf/dioscope_abi.h).
///
/// The codec reads and writes records only through these constants, and
/// the ABI layout test checks every one of them against the C compiler's
/// `offsetof`, so the two definitions cannot drift silently.
public enum RecordLayout {
    /// The version written (`DSC_ABI_VERSION`).
    public static let abiVersion: UInt32 = 5
    /// Versions read: 2 added `DSC_EV_DIO_STEPS`, 3 the two records that each carry two events
    /// (`DSC_EV_SYS_CALL`, `DSC_EV_SYS_EXIT_REAP`), 4 the one that carries three
    /// (`DSC_EV_SYS_CALL_REAP`), 5 a task's exit (`DSC_EV_TASK_EXIT`); none changed a layout, so
    /// older traces read unchanged.
    public static let readableABIVersions: ClosedRange<UInt32> = 1...5
    public static let recordSize = 96
    /// Record types with no event type of their own: each carries two events (ABI 3) or three
    /// (ABI 4), which ``RecordCodec/decode(_:)`` and ``RecordCodec/laterEvent(_:_:)`` give.
    public static let sysCallType: UInt16 = 23, sysExitReapType: UInt16 = 24, sysCallReapType: UInt16 = 25
    public static let headerSize = 32

    // header
    public static let ts = 0, tgid = 8, tid = 12, type = 16, cpu = 18, dev = 20, ino = 24
    // dio_begin
    public static let dbKiocb = 32, dbPos = 40, dbCount = 48, dbIsize = 56, dbDoneBefore = 64,
        dbUserRef = 72, dbKiFlags = 80, dbDioFlags = 84, dbApi = 86, dbBlkbits = 87
    // dio_queued
    public static let dqOffset = 32, dqLength = 40, dqIsize = 48
    // dio_complete
    public static let dcKiocb = 32, dcPos = 40, dcIsize = 48, dcRet = 56, dcUserRef = 64, dcError = 72,
        dcKiFlags = 76, dcApi = 80
    // iomap
    public static let imAddr = 32, imOffset = 40, imLength = 48, imType = 56, imFlags = 58, imBdev = 60,
        imBlkbits = 64
    // dio_steps
    public static let dsKiocb = 32, dsMapAddr = 40, dsMapOffset = 48, dsBioSector = 56, dsMapLength = 64,
        dsBdev = 68, dsMapFlags = 72, dsBioFlags = 74, dsSteps = 76, dsBlkbits = 77, dsRqError = 78, dsBioOp = 79,
        dsAgo = 80
    // block
    public static let blSector = 32, blNrSector = 40, blBytes = 44, blPtr = 48, blKiocb = 56, blError = 64,
        blFlags = 68, blOp = 70
    // xfs
    public static let xfIsize = 32, xfDisize = 40, xfOffset = 48, xfCount = 56, xfKiocb = 64
    // ext4
    public static let e4Lblk = 32, e4Len = 36, e4Flags = 40, e4Allocated = 44, e4Pblk = 48, e4Newblk = 56,
        e4Blkbits = 64
    // uring
    public static let urCtx = 32, urReq = 40, urUserData = 48, urRes = 56, urCflags = 60
    // space
    public static let spOffset = 32, spLen = 40, spIsize = 48, spMode = 56, spOp = 60
    // sys_enter
    public static let seSysno = 32, seFd = 36, seArgs = 40, seIsize = 64, seComm = 72
    // sys_exit
    public static let sxSysno = 32, sxFd = 36, sxRet = 40, sxIsize = 48, sxEnterTs = 56
    // reap
    public static let rpCtx = 32, rpData = 40, rpObj = 48, rpRes = 56, rpRes2 = 64, rpIndex = 72,
        rpTotal = 76
    // sys_call (ABI 3)
    public static let scSysno = 32, scRet = 40, scEnterTs = 48, scArgs = 56, scComm = 80
    // sys_exit_reap (ABI 3)
    public static let srSysno = 32, srRet = 40, srEnterTs = 48, srCtx = 56, srData = 64, srObj = 72, srRes = 80,
        srRes2 = 88
    // sys_call_reap (ABI 4)
    public static let crSysno = 32, crEnterAgo = 36, crMinNr = 40, crNr = 44, crCtx = 48, crData = 56, crObj = 64,
        crRes = 72, crComm = 80
    // task_exit (ABI 5)
    public static let teExitCode = 32, teGroupDead = 36
    // lost
    public static let lsDropped = 32, lsSince = 40, lsProbe = 48, lsFlags = 52, lsUntil = 56
    /// `lost.flags`: every drop is a recursion miss of `lost.probe` (`DSC_LOST_F_RECURSION`).
    public static let lostFlagRecursion: UInt32 = 0x1

    /// Every field as "payload.field" → (offset, size), named as in the C header.
    public static let fields: [String: (offset: Int, size: Int)] = [
        "hdr.ts_ns": (ts, 8), "hdr.tgid": (tgid, 4), "hdr.tid": (tid, 4), "hdr.type": (type, 2),
        "hdr.cpu": (cpu, 2), "hdr.dev": (dev, 4), "hdr.ino": (ino, 8),
        "dio_begin.kiocb": (dbKiocb, 8), "dio_begin.pos": (dbPos, 8), "dio_begin.count": (dbCount, 8),
        "dio_begin.isize": (dbIsize, 8), "dio_begin.done_before": (dbDoneBefore, 8),
        "dio_begin.user_ref": (dbUserRef, 8), "dio_begin.ki_flags": (dbKiFlags, 4),
        "dio_begin.dio_flags": (dbDioFlags, 2), "dio_begin.api": (dbApi, 1), "dio_begin.blkbits": (dbBlkbits, 1),
        "dio_queued.offset": (dqOffset, 8), "dio_queued.length": (dqLength, 8), "dio_queued.isize": (dqIsize, 8),
        "dio_complete.kiocb": (dcKiocb, 8), "dio_complete.pos": (dcPos, 8), "dio_complete.isize": (dcIsize, 8),
        "dio_complete.ret": (dcRet, 8), "dio_complete.user_ref": (dcUserRef, 8),
        "dio_complete.error": (dcError, 4), "dio_complete.ki_flags": (dcKiFlags, 4), "dio_complete.api": (dcApi, 1),
        "iomap.addr": (imAddr, 8), "iomap.offset": (imOffset, 8), "iomap.length": (imLength, 8),
        "iomap.type": (imType, 2), "iomap.flags": (imFlags, 2), "iomap.bdev": (imBdev, 4),
        "iomap.blkbits": (imBlkbits, 1),
        "steps.kiocb": (dsKiocb, 8), "steps.map_addr": (dsMapAddr, 8), "steps.map_offset": (dsMapOffset, 8),
        "steps.bio_sector": (dsBioSector, 8), "steps.map_length": (dsMapLength, 4), "steps.bdev": (dsBdev, 4), "steps.map_flags": (dsMapFlags, 2),
        "steps.bio_flags": (dsBioFlags, 2), "steps.steps": (dsSteps, 1), "steps.blkbits": (dsBlkbits, 1),
        "steps.rq_error": (dsRqError, 1), "steps.bio_op": (dsBioOp, 1), "steps.ago": (dsAgo, 16),
        "block.sector": (blSector, 8), "block.nr_sector": (blNrSector, 4), "block.bytes": (blBytes, 4),
        "block.ptr": (blPtr, 8), "block.kiocb": (blKiocb, 8), "block.error": (blError, 4),
        "block.flags": (blFlags, 2), "block.op": (blOp, 1),
        "xfs.isize": (xfIsize, 8), "xfs.disize": (xfDisize, 8), "xfs.offset": (xfOffset, 8),
        "xfs.count": (xfCount, 8), "xfs.kiocb": (xfKiocb, 8),
        "ext4.lblk": (e4Lblk, 4), "ext4.len": (e4Len, 4), "ext4.flags": (e4Flags, 4),
        "ext4.allocated": (e4Allocated, 4), "ext4.pblk": (e4Pblk, 8), "ext4.newblk": (e4Newblk, 8),
        "ext4.blkbits": (e4Blkbits, 1),
        "uring.ctx": (urCtx, 8), "uring.req": (urReq, 8), "uring.user_data": (urUserData, 8),
        "uring.res": (urRes, 4), "uring.cflags": (urCflags, 4),
        "space.offset": (spOffset, 8), "space.len": (spLen, 8), "space.isize": (spIsize, 8),
        "space.mode": (spMode, 4), "space.op": (spOp, 4),
        "sys_enter.sysno": (seSysno, 2), "sys_enter.fd": (seFd, 4), "sys_enter.args": (seArgs, 24),
        "sys_enter.isize": (seIsize, 8), "sys_enter.comm": (seComm, 16),
        "sys_exit.sysno": (sxSysno, 2), "sys_exit.fd": (sxFd, 4), "sys_exit.ret": (sxRet, 8),
        "sys_exit.isize": (sxIsize, 8), "sys_exit.enter_ts": (sxEnterTs, 8),
        "reap.ctx": (rpCtx, 8), "reap.data": (rpData, 8), "reap.obj": (rpObj, 8), "reap.res": (rpRes, 8),
        "reap.res2": (rpRes2, 8), "reap.index": (rpIndex, 4), "reap.total": (rpTotal, 4),
        "sys_call.sysno": (scSysno, 2), "sys_call.ret": (scRet, 8), "sys_call.enter_ts": (scEnterTs, 8),
        "sys_call.args": (scArgs, 24), "sys_call.comm": (scComm, 16),
        "sys_exit_reap.sysno": (srSysno, 2), "sys_exit_reap.ret": (srRet, 8),
        "sys_exit_reap.enter_ts": (srEnterTs, 8), "sys_exit_reap.ctx": (srCtx, 8),
        "sys_exit_reap.data": (srData, 8), "sys_exit_reap.obj": (srObj, 8), "sys_exit_reap.res": (srRes, 8),
        "sys_exit_reap.res2": (srRes2, 8),
        "sys_call_reap.sysno": (crSysno, 2), "sys_call_reap.enter_ago": (crEnterAgo, 4),
        "sys_call_reap.min_nr": (crMinNr, 4), "sys_call_reap.nr": (crNr, 4), "sys_call_reap.ctx": (crCtx, 8),
        "sys_call_reap.data": (crData, 8), "sys_call_reap.obj": (crObj, 8), "sys_call_reap.res": (crRes, 8),
        "sys_call_reap.comm": (crComm, 16),
        "task_exit.exit_code": (teExitCode, 4), "task_exit.group_dead": (teGroupDead, 1),
        "lost.dropped": (lsDropped, 8), "lost.since_ns": (lsSince, 8), "lost.probe": (lsProbe, 4),
        "lost.flags": (lsFlags, 4), "lost.until_ns": (lsUntil, 8),
    ]
}
