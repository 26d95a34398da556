namespace ModelStore.HuggingFace;

/// <summary>The kind of Hugging Face Hub repository a store reads (setting <c>RepoType</c>).</summary>
public enum HuggingFaceRepoType
{
    /// <summary>A model repository (<c>https://huggingface.co/{org}/{name}</c>); the default.</summary>
    Model = 0,

    /// <summary>A dataset repository (<c>https://huggingface.co/datasets/{org}/{name}</c>).</summary>
    Dataset = 1,
}
