using System.Diagnostics;
using ModelStore.Caching;

namespace ModelStore.Tests.Caching;

/// <summary>The machine-wide lock waits only for another holder; a lock file that cannot be opened at all fails at once.</summary>
[TestClass]
public sealed class CrossProcessLockTests
{
    private string _root = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolder() => _root = Directory.CreateTempSubdirectory("modelstore-lock-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_lock_held_by_another_holder_is_waited_for_until_the_timeout()
    {
        var path = Path.Combine(_root, "held.lock");
        using var held = await CrossProcessLock.AcquireAsync(path, TimeSpan.FromSeconds(1), TestContext.CancellationToken);

        var error = await Assert.ThrowsExactlyAsync<TimeoutException>(() => CrossProcessLock.AcquireAsync(path, TimeSpan.FromMilliseconds(300), TestContext.CancellationToken));

        StringAssert.Contains(error.Message, "held by another process");
        Assert.IsNull(CrossProcessLock.TryAcquire(path));
    }

    [TestMethod]
    public async Task A_lock_file_that_cannot_be_opened_fails_at_once_instead_of_waiting()
    {
        // ENAMETOOLONG, like EROFS (build/proof/run.sh mounts a read-only cache for that one), is no contention.
        var path = Path.Combine(_root, new string('x', 300) + ".lock");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<IOException>(() => CrossProcessLock.AcquireAsync(path, TimeSpan.FromSeconds(30), TestContext.CancellationToken));
        var tried = Assert.ThrowsExactly<IOException>(() => CrossProcessLock.TryAcquire(path));

        Assert.IsLessThan(5, clock.Elapsed.TotalSeconds, $"Took {clock.Elapsed}: the lock was waited for as if held.");
        StringAssert.Contains(error.Message, "cannot be opened");
        StringAssert.Contains(error.Message, "writable folder");
        StringAssert.Contains(error.Message, path, "The cause names the lock file.");
        StringAssert.Contains(tried.Message, "cannot be opened");
    }
}
