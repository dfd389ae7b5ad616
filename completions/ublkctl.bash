# SPDX-License-Identifier: GPL-2.0
# bash completion for ublkctl(8)
#
# Device ids come from the tool itself (`ublkctl list --json`, parsed with
# jq), else from the state files in /run/ublkctl (or $UBLKCTL_RUN_DIR, as
# the tool), else from /dev/ublkcN.
# Nothing is printed when there is no device, no driver or no jq.

_ublkctl_commands='add del list recover features'
_ublkctl_targets='null loop stripe qcow2'
# the columns of `list -o`, as `ublkctl list --help` lists them
_ublkctl_columns='ID DEVICE TARGET STATE SIZE BLKSZ CHUNK QUEUES DEPTH PID
	ZC RECOVERY BPF HANDLED REDIRECTED FILES'

# _ublkctl_options COMMAND: the options COMMAND accepts
_ublkctl_options()
{
	case $1 in
	add)
		echo '-t --target -f --file -n --id -q --queues -d --depth' \
			'--size --chunk-size --cache-size --block-size --read-only' \
			'--zero-copy= --bpf= --shared --no-recovery --foreground -v --verbose' \
			'--help'
		;;
	del) echo '-n --id -a --all --force --help' ;;
	list)
		echo '-n --id -o --output --output-all --noheadings --raw --json' \
			'--help'
		;;
	recover) echo '-n --id --help' ;;
	features) echo '--json --help' ;;
	'') echo '--help --version' ;;
	esac
}

# _ublkctl_ids TOOL: the ids of the devices that exist, one a line
_ublkctl_ids()
{
	local tool=$1 ids='' f

	if command -v jq >/dev/null 2>&1 &&
		command -v "$tool" >/dev/null 2>&1; then
		ids=$("$tool" list --json 2>/dev/null |
			jq -r '.devices[]?.id' 2>/dev/null)
	fi
	if [[ -z $ids ]]; then
		while IFS= read -r f; do
			f=${f##*/}
			ids+="${f%.json}"$'\n'
		done < <(compgen -G "${UBLKCTL_RUN_DIR:-/run/ublkctl}/*.json" \
			2>/dev/null)
	fi
	if [[ -z $ids ]]; then
		while IFS= read -r f; do
			ids+="${f#/dev/ublkc}"$'\n'
		done < <(compgen -G '/dev/ublkc[0-9]*' 2>/dev/null)
	fi
	printf '%s' "$ids"
}

# _ublkctl_value COMMAND OPTION CUR TOOL: complete the value of OPTION into
# COMPREPLY; fails when OPTION takes no value.
_ublkctl_value()
{
	local cmd=$1 opt=$2 cur=$3 tool=$4

	case $opt in
	-t | --target)
		[[ $cmd == add ]] &&
			mapfile -t COMPREPLY < <(compgen \
				-W "$_ublkctl_targets" -- "$cur")
		;;
	-f | --file)
		if [[ $cmd == add ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		;;
	-n | --id)
		# add takes a new id: only del, list and recover name live ones.
		[[ -n $cmd && $cmd != add ]] &&
			mapfile -t COMPREPLY < <(compgen \
				-W "$(_ublkctl_ids "$tool")" -- "$cur")
		;;
	-o | --output)
		[[ $cmd == list ]] || return 1
		_ublkctl_column_list "$cur"
		;;
	--zero-copy | --bpf)
		mapfile -t COMPREPLY < <(compgen -W 'auto on off' -- "$cur")
		;;
	--block-size)
		mapfile -t COMPREPLY < <(compgen -W '512 4096' -- "$cur")
		;;
	--chunk-size)
		mapfile -t COMPREPLY < <(compgen \
			-W '4K 8K 16K 32K 64K 128K 256K 512K 1M' -- "$cur")
		;;
	-q | --queues | -d | --depth | --size | --cache-size) ;;
	*) return 1 ;;
	esac
	return 0
}

# _ublkctl_column_list CUR: complete the last name of a comma-separated
# column list (after a leading '+', as lsblk's), in either case, into
# COMPREPLY; no space after it, so that a comma may follow.
_ublkctl_column_list()
{
	local last=${1##*[,+]}
	local head=${1%"$last"}

	compopt -o nospace 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -P "$head" \
		-W "$_ublkctl_columns" -- "${last^^}")
}

_ublkctl()
{
	local cur prev cmd tool i w pfx=''
	local -a words=("${COMP_WORDS[@]}")
	local cword=$COMP_CWORD

	cur=${words[cword]}
	prev=${words[cword - 1]}
	# With '=' in COMP_WORDBREAKS, "--opt=val" arrives as "--opt" "=" "val".
	if [[ $cur == = ]]; then
		cur=''
	elif [[ $prev == = && $cword -ge 2 ]]; then
		prev=${words[cword - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
		pfx=$prev=
	fi

	tool=${words[0]}
	[[ $tool == */* && -x $tool ]] || tool=ublkctl

	cmd=''
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		add | del | list | recover | features)
			cmd=$w
			break
			;;
		esac
	done

	COMPREPLY=()
	if _ublkctl_value "$cmd" "$prev" "$cur" "$tool"; then
		# "--opt=val" as one word: the reply replaces the whole word.
		[[ -n $pfx ]] && COMPREPLY=("${COMPREPLY[@]/#/$pfx}")
		return 0
	fi

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen \
				-W "$(_ublkctl_options '')" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen \
				-W "$_ublkctl_commands" -- "$cur")
		fi
		return 0
	fi

	mapfile -t COMPREPLY < <(compgen \
		-W "$(_ublkctl_options "$cmd")" -- "$cur")
	if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}

complete -F _ublkctl ublkctl
