using ModelStore.IO;

namespace ModelStore.Tests.IO;

/// <summary>Paths from untrusted data stay inside their folder: names checked part by part, links followed to where they lead.</summary>
[TestClass]
public sealed class ConfinedPathTests
{
    private string _root = null!;

    [TestInitialize]
    public void CreateFolder() => _root = ConfinedPath.GetRealPath(Directory.CreateTempSubdirectory("modelstore-confined-").FullName);

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    [DataRow("model.safetensors", true)]
    [DataRow("onnx/model.onnx", true)]
    [DataRow("..", false)]
    [DataRow("a/../b", false)]
    [DataRow("./a", false)]
    [DataRow("a//b", false)]
    [DataRow("a/", false)]
    [DataRow("/etc/passwd", false)]
    [DataRow("a\\b", false)]
    [DataRow("a\nb", false)]
    [DataRow("", false)]
    public void A_plain_relative_path_has_no_root_no_dot_parts_no_empty_parts_and_no_control_characters(string path, bool plain) =>
        Assert.AreEqual(plain, ConfinedPath.IsPlainRelative(path));

    [TestMethod]
    public void Links_are_followed_to_where_they_lead_before_the_folder_is_checked()
    {
        var inside = Directory.CreateDirectory(Path.Combine(_root, "inside")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret"), "x");
        File.WriteAllText(Path.Combine(inside, "plain"), "x");
        File.CreateSymbolicLink(Path.Combine(inside, "to-secret"), Path.Combine("..", "outside", "secret"));
        Directory.CreateSymbolicLink(Path.Combine(inside, "linked-folder"), outside);
        File.CreateSymbolicLink(Path.Combine(inside, "to-plain"), "plain");
        File.CreateSymbolicLink(Path.Combine(inside, "chain"), "to-plain");

        Assert.IsTrue(ConfinedPath.IsInside(Path.Combine(inside, "plain"), inside));
        Assert.IsTrue(ConfinedPath.IsInside(Path.Combine(inside, "chain"), inside));
        Assert.AreEqual(Path.Combine(inside, "plain"), ConfinedPath.GetRealPath(Path.Combine(inside, "chain")));
        Assert.IsFalse(ConfinedPath.IsInside(Path.Combine(inside, "to-secret"), inside));
        Assert.IsFalse(ConfinedPath.IsInside(Path.Combine(inside, "linked-folder", "secret"), inside));
        Assert.IsFalse(ConfinedPath.IsInside(inside, inside), "a folder is not inside itself");
        Assert.IsFalse(ConfinedPath.IsInside(inside + "-sibling/file", inside), "a sibling sharing the folder's name as a prefix is outside");
        Assert.IsTrue(ConfinedPath.IsInside(Path.Combine(inside, "to-secret"), inside, outside), "any of several folders");
    }

    [TestMethod]
    public void A_loop_of_links_is_an_IO_error_not_a_hang()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "a"), "b");
        File.CreateSymbolicLink(Path.Combine(_root, "b"), "a");

        Assert.ThrowsExactly<IOException>(() => ConfinedPath.GetRealPath(Path.Combine(_root, "a")));
    }
}
