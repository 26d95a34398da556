namespace ModelStore.GitHub.Testing;

public sealed record FakeIdentity(string Login, bool CanWrite);

public sealed class FakeRepository(long id, string owner, string name, bool isPrivate, IReadOnlyList<string> branches)
{
    public long Id { get; } = id;

    public string Owner { get; } = owner;

    public string Name { get; } = name;

    public bool IsPrivate { get; } = isPrivate;

    public IReadOnlyList<string> Branches { get; } = branches;

    public List<FakeRelease> Releases { get; } = [];
}

public sealed class FakeRelease(long id, string tag, string name, string targetCommitish, DateTimeOffset createdAt)
{
    public long Id { get; } = id;

    public string Tag { get; } = tag;

    public string Name { get; } = name;

    public string TargetCommitish { get; } = targetCommitish;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public string? Body { get; set; }

    public string? MakeLatest { get; set; }

    public List<FakeAsset> Assets { get; } = [];
}

public sealed class FakeAsset(long id, string name, string path, long size, string contentType, DateTimeOffset createdAt)
{
    public long Id { get; } = id;

    public string Name { get; set; } = name;

    public string Path { get; } = path;

    public long Size { get; } = size;

    public string ContentType { get; } = contentType;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset UpdatedAt { get; set; } = createdAt;
}
