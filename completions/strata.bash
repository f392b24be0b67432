# bash completion for strata(1). Installed as share/bash-completion/completions/strata; or
# `source completions/strata.bash`. Needs no bash-completion helpers.
#
# The ids of --ignore come from the binary itself (`strata --list-ids`), so they follow the rule
# tables; the options are listed here, and tests/e2e/test_install.sh checks them against --help.

_strata_ids()
{
    local bin=${COMP_WORDS[0]}
    [[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
    command -v -- "$bin" >/dev/null 2>&1 || bin=strata
    "$bin" --list-ids 2>/dev/null | cut -f1
}

_strata()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev= eq=0
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # "--json=FILE": COMP_WORDBREAKS splits it into --json, =, FILE (or keeps it whole)
    if [[ $cur == = ]]; then
        cur= eq=1
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]} eq=1
    elif [[ $cur == --*=* ]]; then
        prev=${cur%%=*} cur=${cur#*=} eq=1
    fi

    local diff=0 i
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == diff ]] && { diff=1; break; }
        [[ ${COMP_WORDS[i]} == -* ]] || break
    done

    COMPREPLY=()
    case $prev in
        --ignore)
            mapfile -t COMPREPLY < <(compgen -W "$(_strata_ids)" -- "$cur"); return ;;
        --color)
            mapfile -t COMPREPLY < <(compgen -W "auto off dark" -- "$cur"); return ;;
        --tls-verify)
            mapfile -t COMPREPLY < <(compgen -W "true false" -- "$cur"); return ;;
        --fail-on-secret)
            mapfile -t COMPREPLY < <(compgen -W "info low medium high critical none" -- "$cur"); return ;;
        --platform)
            mapfile -t COMPREPLY < <(compgen -W "linux/amd64 linux/arm64 linux/arm64/v8 linux/arm/v7 linux/arm/v6 linux/386 linux/ppc64le linux/s390x linux/riscv64" -- "$cur"); return ;;
        --config|--sarif|--dockerfile|--base)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        --json)   # an optional argument: a file only in the --json=FILE form
            if ((eq)); then
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return
            fi ;;
        --lowest-efficiency|--highest-removable-bytes|--highest-removable-percent|--max-metadata|--jobs|--highest-own-bytes|--highest-own-waste)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        local opts
        if ((diff)); then
            opts="--json --json= --report --platform --no-content --max-metadata --jobs --color --tls-verify= --help"
        else
            opts="--report --json --json= --files --ci --sarif --platform --no-content --no-secret-scan
                  --show-secrets --ignore --max-metadata --jobs --config --dockerfile --dockerignore --lowest-efficiency --highest-removable-bytes
                  --highest-removable-percent --fail-on-secret --color --tls-verify= --keys --help --version
                  --base --highest-own-bytes --highest-own-waste"
        fi
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        [[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    # an image: a tar file, an OCI layout directory, - (standard input) or a transport name
    # (docker-archive:PATH …); "diff" first
    local words=()
    ((COMP_CWORD == 1)) && words=(diff)
    if [[ -n $cur && $cur != */* && $cur != *:* ]]; then
        words+=(docker-archive: oci-archive: oci: docker-daemon: podman: docker://)
    fi
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "$cur"; compgen -f -- "$cur")
    [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *: ]] && compopt -o nospace 2>/dev/null
}

complete -F _strata strata
