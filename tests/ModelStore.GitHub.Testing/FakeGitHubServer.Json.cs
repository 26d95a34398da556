using System.Globalization;

namespace ModelStore.GitHub.Testing;

// The JSON shapes of GitHub's repository, release and release-asset objects (snake_case, as documented).
public sealed partial class FakeGitHubServer
{
    private string Api(string path) => $"{BaseAddress}api/v3/{path}";

    private string StorageAddress(FakeAsset asset) => $"{BaseAddress}_storage/{asset.Id}/{Uri.EscapeDataString(asset.Name)}";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private object RepositoryJson(FakeRepository repo) => new
    {
        Id = repo.Id,
        NodeId = $"R_{repo.Id}",
        Name = repo.Name,
        FullName = $"{repo.Owner}/{repo.Name}",
        Owner = new { Login = repo.Owner, Id = 1, Type = "Organization" },
        Private = repo.IsPrivate,
        HtmlUrl = $"{BaseAddress}{repo.Owner}/{repo.Name}",
        Url = Api($"repos/{repo.Owner}/{repo.Name}"),
        DefaultBranch = repo.Branches[0],
    };

    private object ReleaseJson(FakeRepository repo, FakeRelease release) => new
    {
        Url = Api($"repos/{repo.Owner}/{repo.Name}/releases/{release.Id}"),
        HtmlUrl = $"{BaseAddress}{repo.Owner}/{repo.Name}/releases/tag/{release.Tag}",
        AssetsUrl = Api($"repos/{repo.Owner}/{repo.Name}/releases/{release.Id}/assets"),
        UploadUrl = $"{BaseAddress}api/uploads/repos/{repo.Owner}/{repo.Name}/releases/{release.Id}/assets{{?name,label}}",
        TarballUrl = Api($"repos/{repo.Owner}/{repo.Name}/tarball/{release.Tag}"),
        ZipballUrl = Api($"repos/{repo.Owner}/{repo.Name}/zipball/{release.Tag}"),
        Id = release.Id,
        NodeId = $"RE_{release.Id}",
        TagName = release.Tag,
        TargetCommitish = release.TargetCommitish,
        Name = release.Name,
        Body = release.Body,
        Draft = false,
        Prerelease = false,
        CreatedAt = Time(release.CreatedAt),
        PublishedAt = Time(release.CreatedAt),
        Author = new { Login = "fake-bot", Id = 2, Type = "User" },
        Assets = release.Assets.Select(a => AssetJson(repo, release, a)).ToList(),
    };

    private object AssetJson(FakeRepository repo, FakeRelease release, FakeAsset asset) => new
    {
        Url = Api($"repos/{repo.Owner}/{repo.Name}/releases/assets/{asset.Id}"),
        BrowserDownloadUrl = $"{BaseAddress}{repo.Owner}/{repo.Name}/releases/download/{release.Tag}/{Uri.EscapeDataString(asset.Name)}",
        Id = asset.Id,
        NodeId = $"RA_{asset.Id}",
        Name = asset.Name,
        Label = string.Empty,
        State = "uploaded",
        ContentType = asset.ContentType,
        Size = asset.Size,
        DownloadCount = 0,
        CreatedAt = Time(asset.CreatedAt),
        UpdatedAt = Time(asset.UpdatedAt),
        Uploader = new { Login = "fake-bot", Id = 2, Type = "User" },
    };
}
