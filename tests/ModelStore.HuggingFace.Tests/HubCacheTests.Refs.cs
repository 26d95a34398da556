using ModelStore.Resolution;

namespace ModelStore.HuggingFace.Tests;

// Sharing writes refs/{branch} as huggingface_hub does, from what the Hub said just now, never from a lock file's pin.
public sealed partial class HubCacheTests
{
    [TestMethod]
    public async Task Sharing_writes_refs_main_from_an_online_resolution_only_and_huggingface_hub_js_resolves_main_from_the_cache_alone()
    {
        var (repository, files) = NewModel("refs");
        var first = Hub.CommitOf(repository);
        var refsMain = Path.Combine(new HuggingFaceHubCache(_hfCache).GetRepositoryFolder(repository), "refs", "main");

        // 1. A first resolution asks the Hub where main is: refs/main holds that commit, byte for byte as huggingface_hub writes it.
        var locked = await LockAsync(repository, cache: "first", settings: Sharing(readHubCache: true));
        Assert.AreEqual(first, await File.ReadAllTextAsync(refsMain, Cancel), "the commit id, with no line break");
        await AssertJsResolvesMainAsync(repository, first, files);

        // 2. main moves; a resolution without a lock file asks again and moves the ref. The files that did not change are
        //    taken from the blobs huggingface_hub already has and linked into the new snapshot too.
        var changed = RandomBytes(200_000);
        var second = Hub.Commit(repository, new Dictionary<string, byte[]?> { ["model.safetensors"] = changed });
        files["model.safetensors"] = changed;
        await LockAsync(repository, cache: "second", settings: Sharing(readHubCache: true));
        Assert.AreEqual(second, await File.ReadAllTextAsync(refsMain, Cancel));
        await AssertJsResolvesMainAsync(repository, second, files);

        // 3. A locked resolution reads the old commit the lock file pins: it shares that snapshot, and leaves refs/main alone.
        var oldSnapshot = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(refsMain))!, "snapshots", first);
        Directory.Delete(oldSnapshot, recursive: true);
        await LockAsync(repository, locked, cache: "locked", settings: Sharing(readHubCache: false));
        Assert.IsTrue(File.Exists(Path.Combine(oldSnapshot, "model.safetensors")), "the locked resolution shared what it downloaded");
        Assert.AreEqual(second, await File.ReadAllTextAsync(refsMain, Cancel), "a lock file's commit is a pin, not where main is now");
        await AssertJsResolvesMainAsync(repository, second, files);

        // 4. A ref that is already right is not written again (huggingface_hub's rule, kind to a read-only cache).
        var longAgo = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(refsMain, longAgo);
        await LockAsync(repository, cache: "again", settings: Sharing(readHubCache: false));
        Assert.AreEqual(longAgo, File.GetLastWriteTimeUtc(refsMain));
        Assert.IsFalse(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Path.GetDirectoryName(refsMain))!, "*.partial", SearchOption.AllDirectories).Any(), "no temporary file is left behind");
    }

    [TestMethod]
    public async Task A_revision_with_a_slash_gets_its_ref_in_a_subfolder_as_huggingface_hub_names_it()
    {
        var (repository, files) = NewModel("pr");
        Hub.CreateBranch(repository, "refs/pr/1", "main");
        var commit = Hub.CommitOf(repository);
        var store = CreateStore(repository, options =>
        {
            options.HubCacheFolder = _hfCache;
            options.ShareHubCache = true;
            options.Revision = "refs/pr/1";
        });

        var (pinned, _) = await StateResolver.PinAsync(store, "config.json", Cancel);
        await ((Stores.IFileDownloadingStore)pinned).DownloadToFileAsync(Key, Path.Combine(_target, "config.json"), cancellationToken: Cancel);

        var folder = new HuggingFaceHubCache(_hfCache).GetRepositoryFolder(repository);
        Assert.AreEqual(commit, await File.ReadAllTextAsync(Path.Combine(folder, "refs", "refs", "pr", "1"), Cancel));
        Assert.AreEqual(commit, new HuggingFaceHubCache(_hfCache).ResolveCommit(repository, "refs/pr/1"));
        Assert.AreEqual(Sha256(files["config.json"]), Sha256(await File.ReadAllBytesAsync(Path.Combine(folder, "snapshots", commit, "config.json"), Cancel)));
    }

    [TestMethod]
    [DataRow("../../../outside")]
    [DataRow("/tmp/outside")]
    [DataRow("a/./b")]
    [DataRow("a//b")]
    [DataRow(".")]
    [DataRow("main^A")]
    [DataRow("main\\..\\..\\x")]
    [DataRow("0123456789abcdef0123456789abcdef01234567")]
    public async Task A_hostile_ref_name_is_refused_and_nothing_is_written(string reference)
    {
        reference = reference.Replace("^A", "\u0001", StringComparison.Ordinal); // A control character, kept out of test names and reports.
        var cache = new HuggingFaceHubCache(_hfCache);

        await Assert.ThrowsExactlyAsync<ArgumentException>(() => cache.WriteRefAsync("acme/tiny", reference, new string('c', 40), cancellationToken: Cancel));

        Assert.IsFalse(Directory.EnumerateFileSystemEntries(_hfCache).Any(), "nothing was created in the cache");
        Assert.IsFalse(File.Exists(Path.Combine(Path.GetDirectoryName(_hfCache)!, "outside")), "nothing was written beside it");
        if (reference.Length != 40)
        {
            // The same name as a store's revision (a project or a lock file gives it) is refused before any request.
            var error = Assert.ThrowsExactly<ArgumentException>(() => CreateStore("acme/tiny", options => options.Revision = reference));
            StringAssert.Contains(error.Message, "is not a revision");
        }
    }

    [TestMethod]
    public async Task A_ref_folder_linked_out_of_the_cache_is_left_alone_and_the_download_still_succeeds()
    {
        var (repository, files) = NewModel("linked");
        Hub.CreateBranch(repository, "refs/pr/2", "main");
        var outside = Directory.CreateTempSubdirectory("modelstore-hf-outside-").FullName;
        try
        {
            var refs = Directory.CreateDirectory(Path.Combine(new HuggingFaceHubCache(_hfCache).GetRepositoryFolder(repository), "refs")).FullName;
            Directory.CreateSymbolicLink(Path.Combine(refs, "refs"), outside);

            await Assert.ThrowsExactlyAsync<IOException>(() => new HuggingFaceHubCache(_hfCache).WriteRefAsync(repository, "refs/pr/2", Hub.CommitOf(repository), cancellationToken: Cancel));
            var store = CreateStore(repository, options =>
            {
                options.HubCacheFolder = _hfCache;
                options.ShareHubCache = true;
                options.Revision = "refs/pr/2";
            });
            var target = Path.Combine(_target, "model.safetensors");
            await ((Stores.IFileDownloadingStore)store.ForFile("model.safetensors")).DownloadToFileAsync(Key, target, cancellationToken: Cancel);

            CollectionAssert.AreEqual(files["model.safetensors"], await File.ReadAllBytesAsync(target, Cancel));
            Assert.IsFalse(Directory.EnumerateFileSystemEntries(outside, "*", SearchOption.AllDirectories).Any(), "nothing was written through the link");
            Assert.IsTrue(File.Exists(Path.Combine(Path.GetDirectoryName(refs)!, "snapshots", Hub.CommitOf(repository), "model.safetensors")), "the snapshot was shared all the same");
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    private (string Name, string Value)[] Sharing(bool readHubCache) =>
        [("HubCache", _hfCache), ("ShareHubCache", "true"), ("ReadHubCache", readHubCache ? "true" : "false")];

    // @huggingface/hub, from the cache alone (its scan reads refs/), finds main at `commit` and every file of it in our layout.
    private async Task AssertJsResolvesMainAsync(string repository, string commit, Dictionary<string, byte[]> files)
    {
        var before = Hub.Requests.Count;
        var snapshot = Path.Combine(new HuggingFaceHubCache(_hfCache).GetRepositoryFolder(repository), "snapshots", commit);
        foreach (var (path, bytes) in files)
        {
            var read = await RunClientAsync("resolve", repository, "main", path);

            Assert.AreEqual(commit, read.GetProperty("commit").GetString(), path);
            Assert.AreEqual(0, read.GetProperty("warnings").GetArrayLength(), read.ToString());
            Assert.AreEqual(Path.Combine(snapshot, path), read.GetProperty("path").GetString());
            Assert.AreEqual(Sha256(bytes), read.GetProperty("sha256").GetString(), path);
        }

        Assert.AreEqual(before, Hub.Requests.Count, "@huggingface/hub resolved main and read every file from the cache alone: " + string.Join(", ", HubRequestsSince(before).Select(r => $"{r.Method} {r.PathAndQuery}")));
    }
}
