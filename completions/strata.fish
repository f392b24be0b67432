# fish completion for strata(1). Installed as share/fish/vendor_completions.d/strata.fish.
# The ids of --ignore come from `strata --list-ids` ("ID<TAB>what" lines, fish's own format).

function __strata_no_diff
    not __fish_seen_subcommand_from diff
end

function __strata_ids
    set -l bin (commandline -opc)[1]
    command $bin --list-ids 2>/dev/null; or command strata --list-ids 2>/dev/null
end

complete -c strata -n '__fish_use_subcommand' -a diff -d 'compare two images'

# both strata and strata diff
complete -c strata -l platform -x -d 'pick one image from a multi-platform index' \
    -a 'linux/amd64 linux/arm64 linux/arm64/v8 linux/arm/v7 linux/arm/v6 linux/386 linux/ppc64le linux/s390x linux/riscv64'
complete -c strata -l no-content -d 'headers only: no hashing, no content secret scan'
complete -c strata -l max-metadata -x -d 'memory for manifests, configs and package databases (default 256M)'
complete -c strata -l jobs -x -d 'layers read at once (default: the online cores)'
complete -c strata -l color -x -a 'auto off dark' -d 'colours of the interactive view'
complete -c strata -l tls-verify -x -a 'true false' -d 'registries: verify TLS certificates'
complete -c strata -l json -d 'JSON report (--json=FILE writes a file)'
complete -c strata -l report -d 'text report'
complete -c strata -s h -l help -d 'print the usage'

# strata only
complete -c strata -n __strata_no_diff -l files -d '--json: each layer\'s file list'
complete -c strata -n __strata_no_diff -l ci -d 'CI rules; exit 2 when one fails'
complete -c strata -n __strata_no_diff -l sarif -r -F -d 'write secrets as SARIF 2.1.0'
complete -c strata -n __strata_no_diff -l no-secret-scan -d 'no content secret scan'
complete -c strata -n __strata_no_diff -l show-secrets -d 'print secret values unmasked'
complete -c strata -n __strata_no_diff -l ignore -x -a '(__strata_ids)' -d 'silence a secret rule or waste category'
complete -c strata -n __strata_no_diff -l config -r -F -d 'rules and CI thresholds'
complete -c strata -n __strata_no_diff -l dockerfile -r -F -d 'the image\'s Dockerfile: findings cite FILE:LINE'
complete -c strata -n __strata_no_diff -l dockerignore -d 'print a .dockerignore for what COPY brought in'
complete -c strata -n __strata_no_diff -l lowest-efficiency -x -d '--ci: fail below this efficiency (0..1)'
complete -c strata -n __strata_no_diff -l highest-removable-bytes -x -d '--ci: fail above N removable bytes'
complete -c strata -n __strata_no_diff -l highest-removable-percent -x -d '--ci: fail above P percent removable'
complete -c strata -n __strata_no_diff -l highest-own-bytes -x -d '--ci: fail above N bytes in the layers above the base'
complete -c strata -n __strata_no_diff -l highest-own-waste -x -d '--ci: fail above N removable bytes made by those layers'
complete -c strata -n __strata_no_diff -l base -r -F -d 'the base image: its layers are the common leading ones'
complete -c strata -n __strata_no_diff -l fail-on-secret -x -a 'info low medium high critical none' -d '--ci: fail on a secret at or above'
complete -c strata -n __strata_no_diff -l keys -d 'print the keys of the interactive view'
complete -c strata -n __strata_no_diff -l version -d 'print the version'
