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
        // ENOTDIR (the lock's folder is a file), like EROFS (build/proof/run.sh mounts a read-only cache for that one), is no contention.
        var file = Path.Combine(_root, "not-a-folder");
        File.WriteAllText(file, "");
        var path = Path.Combine(file, "held.lock");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<IOException>(() => CrossProcessLock.AcquireAsync(path, TimeSpan.FromSeconds(30), TestContext.CancellationToken));
        var tried = Assert.ThrowsExactly<IOException>(() => CrossProcessLock.TryAcquire(path));

        Assert.IsLessThan(5, clock.Elapsed.TotalSeconds, $"Took {clock.Elapsed}: the lock was waited for as if held.");
        StringAssert.Contains(error.Message, "cannot be opened");
        StringAssert.Contains(error.Message, "writable folder");
        StringAssert.Contains(error.Message, path, "The cause names the lock file.");
        StringAssert.Contains(tried.Message, "cannot be opened");
    }

    [TestMethod]
    public async Task Two_handles_in_one_process_exclude_each_other_and_other_names_do_not_wait()
    {
        var path = Path.Combine(_root, "locks", "a.lock");
        var first = await CrossProcessLock.AcquireAsync(path, TimeSpan.FromSeconds(1), TestContext.CancellationToken);

        Assert.IsNull(CrossProcessLock.TryAcquire(path), "A second handle in the same process took a held lock.");
        using (var other = CrossProcessLock.TryAcquire(Path.Combine(_root, "locks", "b.lock")))
        {
            Assert.IsNotNull(other, "A lock of another name waited for this one.");
        }

        var waiting = CrossProcessLock.AcquireAsync(path, TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        await Task.Delay(100, TestContext.CancellationToken);
        Assert.IsFalse(waiting.IsCompleted, "The waiter took the lock while it was held.");
        first.Dispose();
        using var second = await waiting;
        // The public lock keeps the lock file (what earlier versions wait for) beside the folder's range file.
        Assert.IsTrue(File.Exists(path));
    }

    [TestMethod]
    public async Task A_lock_without_a_file_creates_none_and_excludes_the_lock_with_one()
    {
        var path = Path.Combine(_root, "locks", "small.lock");
        using (var fileless = await CrossProcessLock.AcquireAsync(path, TimeSpan.FromSeconds(1), createFile: false, TestContext.CancellationToken))
        {
            Assert.IsNull(CrossProcessLock.TryAcquire(path), "The lock with a file was taken while the one without was held.");
            Assert.IsNull(CrossProcessLock.TryAcquire(path, createFile: false), "A second lock without a file was taken.");
            if (OperatingSystem.IsLinux())
            {
                // One range file for the folder, no file per lock.
                CollectionAssert.AreEquivalent(new[] { CrossProcessLock.RangeFileName }, Directory.GetFiles(Path.Combine(_root, "locks")).Select(Path.GetFileName).ToArray());
            }
        }

        using (var withFile = CrossProcessLock.TryAcquire(path))
        {
            Assert.IsNotNull(withFile);
            Assert.IsNull(CrossProcessLock.TryAcquire(path, createFile: false), "The lock without a file was taken while the one with a file was held.");
        }
    }

    [TestMethod]
    public async Task A_lock_held_by_a_killed_process_is_free_again()
    {
        var path = Path.Combine(_root, "locks", "killed.lock");
        var ready = Path.Combine(_root, "ready");
        // Another process takes the lock (StartHolder), then is killed with SIGKILL.
        using var holder = StartHolder(path, ready);
        var started = Stopwatch.StartNew();
        while (!File.Exists(ready) && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20, TestContext.CancellationToken);
        }

        Assert.IsTrue(File.Exists(ready), "The holder never took the lock.");
        Assert.IsNull(CrossProcessLock.TryAcquire(path), "The other process's lock is not seen as held.");
        holder.Kill(entireProcessTree: true);
        await holder.WaitForExitAsync(TestContext.CancellationToken);

        using var taken = await CrossProcessLock.AcquireAsync(path, TimeSpan.FromSeconds(5), TestContext.CancellationToken);
        Assert.IsNotNull(taken);
    }

    [TestMethod]
    public async Task A_lock_file_an_earlier_version_left_and_holds_is_waited_for()
    {
        // Earlier versions locked (flock) a file per lock on Linux too; flock(1) holds one as such a process would.
        var path = Path.Combine(_root, "locks", "legacy.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        var ready = Path.Combine(_root, "legacy.ready");
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", path, "sh", "-c", $"touch '{ready}'; sleep 60"]))!;
        var started = Stopwatch.StartNew();
        while (!File.Exists(ready) && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20, TestContext.CancellationToken);
        }

        Assert.IsTrue(File.Exists(ready), "flock never took the lock file.");
        Assert.IsNull(CrossProcessLock.TryAcquire(path), "A lock file held by an earlier version was not waited for.");
        Assert.IsNull(CrossProcessLock.TryAcquire(path, createFile: false), "A lock file held by an earlier version was not waited for by the lock that creates none.");
        holder.Kill(entireProcessTree: true);
        await holder.WaitForExitAsync(TestContext.CancellationToken);

        using var taken = await CrossProcessLock.AcquireAsync(path, TimeSpan.FromSeconds(5), TestContext.CancellationToken);
        // While this version holds it, the earlier version's flock on the file waits too.
        var probe = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--nonblock", path, "true"]))!;
        await probe.WaitForExitAsync(TestContext.CancellationToken);
        Assert.AreNotEqual(0, probe.ExitCode, "flock took the lock file while this version held the lock.");
    }

    // Another process takes the lock as the cache does on this system, creates READY and holds the lock for SECONDS: on
    // Linux python3 takes the byte of the folder's range file, with the offset computed on its own (SHA-256 of the name,
    // first 8 bytes little-endian, >> 2); elsewhere flock(1) takes the lock file. (Also used by StateCacheTests.)
    internal static Process StartHolder(string path, string ready, double seconds = 60)
    {
        var wait = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var python = OperatingSystem.IsLinux();
        return Process.Start(python
            ? new ProcessStartInfo("python3", ["-c", """
                import fcntl, hashlib, os, struct, sys, time
                path, ready = sys.argv[1], sys.argv[2]
                offset = int.from_bytes(hashlib.sha256(os.path.basename(path).encode()).digest()[:8], "little") >> 2
                os.makedirs(os.path.dirname(path), exist_ok=True)
                fd = os.open(os.path.join(os.path.dirname(path), ".ranges"), os.O_RDWR | os.O_CREAT, 0o666)
                fcntl.fcntl(fd, 37, struct.pack("hhqqi4x", 1, 0, offset, 1, 0))
                open(ready, "w").close()
                time.sleep(float(sys.argv[3]))
                """, path, ready, wait])
            : new ProcessStartInfo("flock", ["--exclusive", path, "sh", "-c", $"touch '{ready}'; sleep {wait}"]))!;
    }
}
