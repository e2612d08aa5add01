#!/usr/bin/env python3
"""Prototype of the learned page splitter (issue 12), kept so that the Rust port
can be checked against it. Nothing here is used by the product.

Renders every page of ../shared/corpus/pages in the four variants of
`policy-classifier eval-pages` (same rules as src/page/benchmark.rs), tags each
line S (opens an article), T (continues its headline block), O (body, byline,
caption) or D (belongs to no article) with a multinomial logistic regression
over line-shape, context, state and lexical-cohesion features, decoded left to
right (the previous tag is a feature), trains on pages dated before 2026-06-01
and reports the rest with the eval-pages matching rule (85% / 85%).

    pip install scikit-learn numpy
    python3 scripts/page_splitter_prototype.py [--pages DIR] [--c 1.0]

Reads the corpus at run time; copies none of it.
"""
import argparse, json, glob, re, math, random, collections, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
def load(PAGES):
    pages=[]
    for f in sorted(glob.glob(PAGES+'/*.jsonl')):
        n=f.split('/')[-1][:-6]
        if n.startswith('_'): continue
        items=[json.loads(l) for l in open(f) if l.strip()]
        pages.append((n,items))
    return pages
TERMINAL=set('。！？!?…：:；;.．'); CLOSERS=set('”’」』）)】"\'》〉]］')
NON_INITIAL=set('，、。；：！？）”’」』》,.;:)!?的了们着')
def terminated(t):
    t=t.rstrip(''.join(CLOSERS))
    return (not t) or t[-1] in TERMINAL
# --- rendering: lines of (text, owner, role)
VARIANTS=['blank-lines','dense','crlf-masthead','column-breaks']
def render(items, v, rnd=None):
    # returns list of (text, owner, role, blank_after)
    L=[]
    blank = v=='blank-lines'
    def line(t,o,role):
        t=t.strip()
        if t: L.append([t,o,role])
    if v=='crlf-masthead' and items:
        f=items[0]; line(f"{f['source']}  {f['date']}  第{f['page']}版",None,'mast')
    owner=0
    for it in items:
        if it['kind'] not in ('article','continuation'):
            if it['kind']=='editor_note': line(it.get('title') or it['text'],None,'editor')
            else:
                for c in it.get('photo_captions') or []: line(c,None,'ocap')
            continue
        o=owner; owner+=1
        first=True
        for k in ('intro_title','title','subtitle'):
            if it.get(k):
                line(it[k],o,'S' if first else 'T'); first=False
        if it['kind']=='continuation':
            fr=str(it.get('continued_from_page') or '1').strip('"').lstrip('0')
            line(f'（上接第{fr}版）',None,'jump')
        if v=='blank-lines':
            for c in it.get('photo_captions') or []: line(c,o,'cap')
        if v!='column-breaks' and it.get('byline'): line(it['byline'],o,'byline')
        for n,p in enumerate(it['text'].split('\n')):
            p=p.strip()
            if not p: continue
            if v=='dense': line('\u3000\u3000'+p,o,'S' if first else 'body')
            elif v=='column-breaks' and n%3==1 and len(p)>60:
                cut=len(p)*2//5; line(p[:cut],o,'S' if first else 'body'); line(p[cut:],o,'cont')
            else: line(p,o,'S' if first else 'body')
            first=False
        if v!='blank-lines':
            for c in it.get('photo_captions') or []: line(c,o,'cap')
    return L

def tags_of(L):
    seen=set(); out=[]
    for t,o,role in L:
        if o is None: out.append('D')
        elif o not in seen: seen.add(o); out.append('S')
        elif role=='T': out.append('T')
        else: out.append('O')
    return out

LEAD_RE=re.compile(r'^(本报讯|.{0,30}(日电|日讯|电（记者|电\(记者))')
BYLINE_PRE=('本报记者','本报通讯员','特约记者','记者','通讯员','实习生','文/','文／','文｜','新华社记者','本报评论员')
CREDIT_ROLES=("记者","通讯员","摄影","特约","实习生","新华社","中新社","视觉","图/","图／")
def is_caption(t):
    tail=t.rstrip(''.join(CLOSERS)).strip()
    if any(tail.endswith(e) for e in ("供图","新华社发","资料图片","资料图","视觉中国")): return True
    if not (tail.endswith('摄') or tail.endswith('航拍') or tail.endswith('摄影报道')): return False
    return any(r in tail[-24:] for r in CREDIT_ROLES)
def is_jump(t):
    inner=t.strip('（()） ')
    return len(t)<=20 and inner.endswith('版') and inner[:2] in ('下转','上接','转第','接第')
def is_editor(t):
    return len(t)<=60 and ('责编' in t or '责任编辑' in t or '美术编辑' in t or '版式设计' in t or '校对' in t) and '。' not in t
def is_mast(t):
    return len(t)<=50 and '。' not in t and (bool(re.search(r'第\s*\d+\s*版',t)) or ('星期' in t and '年' in t) or bool(re.fullmatch(r'[\d年月日\-/. ]+',t)))
NUM_SUB=re.compile(r'^([一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|\d+[\.．、](?!\d)|[■□●○◆◇▲△★☆▶►·])')
AUTHOR_RE=re.compile(r'^[（(](作者|本文|本报|记者|[^）)]{0,12}(系|为))')

def bigrams(t):
    cs=[c for c in t if c.isalnum()]
    return set(zip(cs,cs[1:]))

def shape(t):
    n=len(t); f={}
    b='len'+str(min(n,60)//5) if n<=60 else ('len_long' if n<200 else 'len_vlong')
    f[b]=1
    f['term']=terminated(t)
    f['ends_dash']=t.endswith('——') or t.endswith('—')
    f['ends_comma']=t[-1] in '，,、'
    f['ends_q']=t.rstrip(''.join(CLOSERS))[-1:] in ('？','?','！','!')
    f['ends_close']=t[-1] in CLOSERS
    f['starts_quote']=t[0] in '“"「'
    f['starts_paren']=t[0] in '（('
    f['paren_line']=t[0] in '（(' and t[-1] in '）)'
    f['author']=bool(AUTHOR_RE.match(t)) and t[-1] in '）)'
    f['mid']=t[0] in NON_INITIAL
    f['has_stop']='。' in t
    f['n_stop']=min(t.count('。'),3)
    f['has_comma']=('，' in t) or (',' in t)
    f['has_semicolon']='；' in t
    f['has_colon']=('：' in t) or (':' in t)
    f['has_space']=bool(re.search(r'\S[ \u3000]+\S',t))
    f['lead']=bool(LEAD_RE.match(t))
    f['byline']=len(t)<=30 and t.startswith(BYLINE_PRE) and not any(c in t for c in '，,。：')
    f['caption']=is_caption(t)
    f['jump']=is_jump(t)
    f['editor']=is_editor(t)
    f['mast']=is_mast(t)
    f['numsub']=bool(NUM_SUB.match(t))
    f['digit']=any(c.isdigit() for c in t)
    f['name_like']=n<=12 and not any(c in t for c in '，。：、“”') and bool(re.fullmatch(r'[\u4e00-\u9fff]{1,4}([ \u3000]+[\u4e00-\u9fff]{1,4})*',t.strip()))
    f['dateline']=bool(re.fullmatch(r'.{0,10}\d+月\d+日(电|讯)',t))
    return f

def idf_table(pages):
    df=collections.Counter(); N=0
    for n,items in pages:
        for it in items:
            if it['kind'] in ('article','continuation'):
                N+=1; df.update(bigrams(it['text']+(it.get('title') or '')))
    return {k:math.log(N/(1+v)) for k,v in df.items()}, math.log(N)

def wsim(a,b,idf,dflt):
    # idf-weighted share of b's weight found in a
    if not a or not b: return 0.0
    tot=sum(idf.get(x,dflt) for x in b)
    return sum(idf.get(x,dflt) for x in b if x in a)/tot if tot else 0.0

def is_shortish(t):
    return len(t)<=40 and not terminated(t) and '。' not in t

SEL=['term','lead','byline','caption','has_stop','mid','author','numsub','ends_dash','name_like','paren_line','editor','jump','ends_comma','starts_quote','dateline']
def line_feats(L, i, shapes, prev_tag, st, idf, dflt):
    t=L[i][0]; f={}
    for k,v in shapes[i].items():
        if v: f['c_'+k]=float(v)
    for off in (-2,-1,1,2):
        j=i+off
        if 0<=j<len(L):
            s=shapes[j]
            for k in SEL:
                if s[k]: f[f'o{off}_{k}']=1.0
            for k in s:
                if k.startswith('len'): f[f'o{off}_{k}']=1.0
            if is_shortish(L[j][0]): f[f'o{off}_short']=1.0
        else: f[f'o{off}_none']=1.0
    f['prev_'+prev_tag]=1.0
    # conjunctions
    sh=is_shortish(t)
    f['short']=float(sh)
    if sh:
        f['short_prev_'+prev_tag]=1.0
        for off in (1,):
            j=i+off
            if j<len(L):
                for k in ('lead','byline','term','caption','name_like','author'):
                    if shapes[j][k]: f[f'short_n1_{k}']=1.0
                if is_shortish(L[j][0]): f['short_n1_short']=1.0
    # state
    f['since_'+str(min(int(math.log2(1+st['chars'])),14))]=1.0
    f['paras_'+str(min(st['paras'],6))]=1.0
    if st['has_lead']: f['art_has_lead']=1.0
    if st['has_byline']: f['art_has_byline']=1.0
    f['nsubs_'+str(min(st['subs'],4))]=1.0
    # cohesion: next block
    nb=[]; n=0
    for j in range(i+1,len(L)):
        if is_shortish(L[j][0]) and n>0: break
        nb.append(L[j][0]); n+=len(L[j][0])
        if n>400: break
    B=bigrams(''.join(nb)); T=bigrams(t)
    A=st['bigrams']
    c1=wsim(A,B,idf,dflt); c2=wsim(B,T,idf,dflt); c3=wsim(A,T,idf,dflt)
    f['coh_AB']=c1; f['coh_TB']=c2; f['coh_AT']=c3
    if sh:
        f['sh_coh_AB']=c1; f['sh_coh_TB']=c2; f['sh_coh_AT']=c3
    # parallelism with previous sub-heading-like lines in the article
    if sh and st['sublines']:
        same_len=any(abs(len(x)-len(t))<=2 for x in st['sublines'])
        same_first=any(x[0]==t[0] for x in st['sublines'])
        same_colon=any(('：' in x)==('：' in t) and '：' in t for x in st['sublines'])
        f['par_len']=float(same_len); f['par_first']=float(same_first); f['par_colon']=float(same_colon)
    return f

def new_state():
    return dict(chars=0,paras=0,has_lead=False,has_byline=False,subs=0,sublines=[],bigrams=set())
def update(st,t,tag,shape_):
    if tag=='S':
        st.update(new_state()); st['bigrams']=set(bigrams(t)); st['chars']=0; return
    if tag=='D': return
    st['chars']+=len(t)
    if tag=='O':
        st['paras']+=1
        st['bigrams']|=bigrams(t)
        if shape_['lead']: st['has_lead']=True
        if shape_['byline']: st['has_byline']=True
        if is_shortish(t): st['subs']+=1; st['sublines'].append(t)
    if tag=='T': st['bigrams']|=bigrams(t)

def featurize_gold(L, idf, dflt):
    shapes=[shape(x[0]) for x in L]; tags=tags_of(L)
    X=[]; st=new_state(); prev='D'
    for i in range(len(L)):
        X.append(line_feats(L,i,shapes,prev,st,idf,dflt))
        update(st,L[i][0],tags[i],shapes[i])
        if tags[i]!='D': prev=tags[i]
    return X,tags

def decode(L, model, vec, idf, dflt):
    shapes=[shape(x[0]) for x in L]
    st=new_state(); prev='D'; out=[]
    for i in range(len(L)):
        f=line_feats(L,i,shapes,prev,st,idf,dflt)
        p=model.predict_proba(vec.transform([f]))[0]
        cl=list(model.classes_)
        # constraints: T only after S/T
        if prev not in ('S','T'): p[cl.index('T')]=0
        if i==0 and 'S' in cl: pass
        tag=cl[int(np.argmax(p))]
        out.append(tag)
        update(st,L[i][0],tag,shapes[i])
        if tag!='D': prev=tag
    return out

def score(L, tags):
    # articles from tags
    gold_sizes=collections.Counter()
    for t,o,r in L:
        if o is not None: gold_sizes[o]+=sum(1 for c in t if not c.isspace())
    arts=[]; cur=None
    for i,tg in enumerate(tags):
        if tg=='S' or (cur is None and tg!='D'):
            cur=[i]; arts.append(cur)
        elif cur is not None: cur.append(i)
    found=set(); exact=0; heads={}
    for t,o,r in L:
        if o is not None and r in('S','T') : heads.setdefault(o,[]).append(t)
    for a in arts:
        # trim D at edges
        while a and tags[a[-1]]=='D': a.pop()
        if not a: continue
        own=collections.Counter(); size=0
        for i in range(a[0],a[-1]+1):
            n=sum(1 for c in L[i][0] if not c.isspace()); size+=n
            if L[i][1] is not None: own[L[i][1]]+=n
        if not own: continue
        g,h=own.most_common(1)[0]
        if g not in found and h>=0.85*gold_sizes[g] and h>=0.85*size:
            found.add(g)
            title=''.join(L[i][0] for i in a if tags[i] in('S','T') and i<=a[0]+3)
            # title = leading S/T run
            k=0; tt=''
            while k<len(a) and tags[a[k]] in ('S','T') and (k==0 or tags[a[k]]=='T'): tt+=L[a[k]][0]; k+=1
            if re.sub(r'\s','',tt)==re.sub(r'\s','',''.join(heads.get(g,[]))): exact+=1
    pred=sum(1 for a in arts if a)
    return len(gold_sizes),pred,len(found),exact


def main():
    from sklearn.feature_extraction import DictVectorizer
    ap=argparse.ArgumentParser()
    ap.add_argument('--pages',default='../shared/corpus/pages')
    ap.add_argument('--c',type=float,default=1.0)
    ap.add_argument('--split',default='2026-06-01')
    a=ap.parse_args()
    pages=load(a.pages)
    date=lambda n: n.split('-',1)[1][:10]
    train=[p for p in pages if date(p[0])<a.split]; test=[p for p in pages if date(p[0])>=a.split]
    idf,dflt=idf_table(train)
    X=[];Y=[]
    for n,items in train:
        for v in VARIANTS:
            x,y=featurize_gold(render(items,v),idf,dflt); X+=x; Y+=y
    vec=DictVectorizer(); model=LogisticRegression(C=a.c,max_iter=3000); model.fit(vec.fit_transform(X),Y)
    print('training lines',len(Y),dict(collections.Counter(Y)))
    for split,ps in (('train',train),('test',test)):
        groups=collections.defaultdict(lambda:[0,0,0,0,0,0])
        for n,items in ps:
            for v in VARIANTS:
                L=render(items,v); g,p,f,e=score(L,decode(L,model,vec,idf,dflt))
                for key in (v, n.split('-')[0]+' (all variants)'):
                    s=groups[key]; s[0]+=g;s[1]+=p;s[2]+=f;s[3]+=e;s[4]+=(g==p==f);s[5]+=1
        for key,(G,P,F,E,perfect,n) in groups.items():
            pr=F/max(P,1); rc=F/max(G,1)
            print('%-5s %-22s P %.3f R %.3f F1 %.3f exact-headline %.3f perfect-pages %.3f'%(split,key,pr,rc,2*pr*rc/max(pr+rc,1e-9),E/max(F,1),perfect/n))

if __name__=='__main__':
    main()
