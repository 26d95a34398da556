using ModelStore.IO;

namespace ModelStore.Tests.IO;

/// <summary><see cref="Folder.Ensure"/> behaves as <see cref="Directory.CreateDirectory(string)"/> does, asking first.</summary>
[TestClass]
public sealed class FolderTests
{
    private string _root = null!;

    [TestInitialize]
    public void CreateFolder() => _root = Directory.CreateTempSubdirectory("modelstore-folder-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public void A_missing_folder_is_made_with_its_parents_and_an_existing_one_is_left_as_it_is()
    {
        var folder = Path.Combine(_root, "blobs", "sha256", "ab");
        Folder.Ensure(folder);
        File.WriteAllText(Path.Combine(folder, "kept"), "x");

        Folder.Ensure(folder);

        Assert.IsTrue(Directory.Exists(folder));
        Assert.AreEqual("x", File.ReadAllText(Path.Combine(folder, "kept")));
    }

    [TestMethod]
    public void A_file_where_the_folder_should_be_is_an_error_and_stays()
    {
        var path = Path.Combine(_root, "tmp");
        File.WriteAllText(path, "not a folder");

        Assert.ThrowsExactly<IOException>(() => Folder.Ensure(path));
        Assert.AreEqual("not a folder", File.ReadAllText(path));
    }

    [TestMethod]
    public void A_link_to_a_folder_counts_as_the_folder()
    {
        var target = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        var link = Path.Combine(_root, "locks");
        Directory.CreateSymbolicLink(link, target);

        Folder.Ensure(link);

        Assert.IsNotNull(new DirectoryInfo(link).LinkTarget, "The link is still a link.");
    }
}
