using System.Globalization;
using System.Security.Cryptography;
using ModelStore.IO;

namespace ModelStore.Tests.IO;

/// <summary><see cref="DirectWrites"/>: whole aligned blocks skip the page cache, everything else goes through it, and every byte lands.</summary>
[TestClass]
public sealed class DirectWritesTests
{
    private const int Block = DirectWrites.Alignment;
    private string _folder = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = PageCache.CreateDiskFolder("direct-writes-");

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void The_direct_handle_is_on_the_open_file_with_O_DIRECT_even_when_its_name_now_points_elsewhere()
    {
        var path = Path.Combine(_folder, "state.partial");
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        File.Move(path, path + ".moved");
        File.WriteAllBytes(path, []); // a stranger's file at the name now

        using var direct = DirectWrites.TryOpen(file);
        Assert.IsNotNull(direct, "This disk takes direct I/O.");
        var block = DirectWrites.AllocateAligned(2 * Block);
        RandomNumberGenerator.Fill(block);
        DirectWrites.Write(direct, file, block, 0);

        Assert.IsTrue(direct.Active);
        CollectionAssert.AreEqual(block.ToArray(), File.ReadAllBytes(path + ".moved"), "The bytes went to the file that was opened.");
        Assert.IsEmpty(File.ReadAllBytes(path), "Nothing went to the file now at the name.");
        var flags = File.ReadAllLines("/proc/self/fdinfo/" + direct.Handle.DangerousGetHandle()).Single(line => line.StartsWith("flags:", StringComparison.Ordinal));
        Assert.AreNotEqual(0, Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & Convert.ToInt32("40000", 8), $"O_DIRECT in {flags}");
    }

    [TestMethod]
    public void Whole_aligned_blocks_skip_the_page_cache_and_an_unaligned_tail_or_buffer_goes_through_it()
    {
        var path = Path.Combine(_folder, "state.partial");
        var content = RandomNumberGenerator.GetBytes((8 * Block) + 100);
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        using var direct = DirectWrites.TryOpen(file);
        Assert.IsNotNull(direct);

        // Blocks 0-3 from aligned memory: direct. Blocks 4-5 from memory one byte past a boundary: buffered.
        // Blocks 6-7 and the last 100 bytes from aligned memory: the blocks direct, the 100 bytes buffered.
        var aligned = DirectWrites.AllocateAligned(4 * Block);
        content.AsSpan(0, 4 * Block).CopyTo(aligned);
        DirectWrites.Write(direct, file, aligned, 0);
        var shifted = DirectWrites.AllocateAligned((2 * Block) + 1).Slice(1);
        content.AsSpan(4 * Block, 2 * Block).CopyTo(shifted);
        DirectWrites.Write(direct, file, shifted, 4 * Block);
        content.AsSpan(6 * Block).CopyTo(aligned);
        DirectWrites.Write(direct, file, aligned.Slice(0, (2 * Block) + 100), 6 * Block);

        Assert.AreEqual(3, PageCache.ResidentPages(path), "Only the two blocks from unaligned memory and the partial last block were cached.");
        Assert.IsTrue(direct.Active);
        CollectionAssert.AreEqual(content, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void A_write_from_inside_a_block_goes_direct_from_the_next_boundary_when_its_memory_is_as_far_inside_one()
    {
        var path = Path.Combine(_folder, "state.partial");
        var content = RandomNumberGenerator.GetBytes(8 * Block);
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        using var direct = DirectWrites.TryOpen(file);
        var aligned = DirectWrites.AllocateAligned(8 * Block);

        // Bytes 0-99 (block 0 cached); then bytes 100 to 4 blocks + 100 from memory 100 bytes past a boundary: block 0's
        // rest and block 4's head through the cache, blocks 1-3 direct.
        content.AsSpan(0, 100).CopyTo(aligned);
        DirectWrites.Write(direct, file, aligned.Slice(0, 100), 0);
        content.AsSpan(100, 4 * Block).CopyTo(aligned.Slice(DirectWrites.Misalignment(100)));
        DirectWrites.Write(direct, file, aligned.Slice(100, 4 * Block), 100);
        Assert.AreEqual(2, PageCache.ResidentPages(path), "Blocks 0 and 4.");

        // The rest from memory 1 byte past a boundary, which is not as far inside a block as offset 4 blocks + 100 is:
        // all of it through the cache (blocks 4-7).
        content.AsSpan((4 * Block) + 100).CopyTo(aligned.Slice(1));
        DirectWrites.Write(direct, file, aligned.Slice(1, (4 * Block) - 100), (4 * Block) + 100);

        Assert.AreEqual(5, PageCache.ResidentPages(path), "Blocks 0 and 4-7.");
        Assert.IsTrue(direct!.Active);
        CollectionAssert.AreEqual(content, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void A_refused_direct_write_lands_through_the_page_cache_and_later_writes_no_longer_try()
    {
        var path = Path.Combine(_folder, "state.partial");
        var content = RandomNumberGenerator.GetBytes(4 * Block);
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        using var refusing = DirectWrites.Over(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)); // writes fail: EBADF
        var aligned = DirectWrites.AllocateAligned(2 * Block);

        content.AsSpan(0, 2 * Block).CopyTo(aligned);
        DirectWrites.Write(refusing, file, aligned, 0);
        Assert.IsFalse(refusing.Active, "One refusal turns direct writes off.");
        content.AsSpan(2 * Block).CopyTo(aligned);
        DirectWrites.Write(refusing, file, aligned, 2 * Block);

        CollectionAssert.AreEqual(content, File.ReadAllBytes(path));
    }

    [TestMethod]
    [DataRow(0L, 0)]
    [DataRow(4096L, 0)]
    [DataRow(100_001L, 1697)]
    [DataRow(4095L, 4095)]
    [DataRow((1L << 40) + 5, 5)]
    public void The_misalignment_of_an_offset_is_its_distance_past_the_last_block_boundary(long offset, int expected) =>
        Assert.AreEqual(expected, DirectWrites.Misalignment(offset), offset.ToString(CultureInfo.InvariantCulture));

    [TestMethod]
    public void Aligned_memory_starts_at_a_block_boundary_and_has_the_length_asked_for()
    {
        for (var i = 0; i < 16; i++)
        {
            var memory = DirectWrites.AllocateAligned(256 * 1024);
            Assert.AreEqual(256 * 1024, memory.Count);
            Assert.AreEqual(0L, System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(memory.Array!, memory.Offset) % Block);
        }
    }
}
