/// What an I/O in flight nearly never has, boxed behind one word of its slot (``IOState``): the
/// records after the first of each kind (a retried attempt, a second mapping or bio), its
/// conversions, and the ranges after the first that it wrote into unwritten extents (the first
/// is inline: nearly every write into unwritten extents has one).
///
/// Inline, these were six arrays of 8 bytes each in every slot (48 bytes of the 432; the sixth,
/// the converted ranges, held the conversions' ranges again and is gone), though a plain 4 KiB
/// write uses none of them. The box is 56 bytes, a 64-byte block. An I/O that needs one of them
/// (a retry, a split I/O, a conversion) makes the box once, and the slab keeps it with the slot
/// for the next I/O as it kept the arrays (``IOSlab``).
///
/// `IOState` changes the box only through ``IOState``'s methods, which copy it first when another
/// state shares it (a copied `IOState`; the engine never copies one to change it, the tests do).
/// `@exclusivity(unchecked)`: the engine lends these arrays only to its own short closures, as
/// it lends the slot's fields; the dynamic checks of a class's properties cost a call each.
final class IOExtras {
    @exclusivity(unchecked) var attempts: [AttemptState] = []
    @exclusivity(unchecked) var mappings: [IOMappingRecord] = []
    @exclusivity(unchecked) var bios: [BioState] = []
    @exclusivity(unchecked) var conversions: [ConversionStep] = []
    /// Byte ranges written into UNWRITTEN extents (they need conversion), after the first
    /// (``IOState``'s `needHead`).
    @exclusivity(unchecked) var needRanges: [FileRange] = []

    init() {}

    /// A box with the same arrays (copy on write, ``IOState``).
    func copy() -> IOExtras {
        let c = IOExtras()
        c.attempts = attempts
        c.mappings = mappings
        c.bios = bios
        c.conversions = conversions
        c.needRanges = needRanges
        return c
    }

    var isEmpty: Bool {
        attempts.isEmpty && mappings.isEmpty && bios.isEmpty && conversions.isEmpty && needRanges.isEmpty
    }
}
